// Package faults injects the failures AWS's services show in production into
// the local stack, switchable at run time: DynamoDB throttles, 500s,
// transaction conflicts, latency and outages on the wire of the functions'
// DynamoDB client; 429, 500 and 410 answers of the API Gateway management
// API; panics, timeouts and slow cold starts of the functions; a slow or
// unreachable Cognito JWKS endpoint. Every fault reaches the AWS SDK as the
// real service's answer would (status, headers and JSON error body), so the
// SDK's retryer does what it would do in AWS.
//
// A Plan says which faults happen and how often; an Injector applies one.
// With Plan.Seed set, which requests fail is a function of the order they
// arrive in, and Fault.Next makes "the next N requests fail" exact.
package faults

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Services whose faults a Plan names; they are also the outage targets.
const (
	DynamoDB   = "dynamodb"
	Management = "management"
	JWKS       = "jwks"
)

// Duration is a time.Duration written in JSON as Go writes it ("250ms").
type Duration time.Duration

// MarshalText writes d as "1.5s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "1.5s" (time.ParseDuration).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil || v < 0 {
		return fmt.Errorf("faults: %q is not a duration such as 250ms", b)
	}
	*d = Duration(v)
	return nil
}

// Fault is how often one kind of failure happens: the next Next requests
// for certain, then a fraction Rate (0 to 1) of the others.
type Fault struct {
	Rate float64 `json:"rate,omitempty"`
	Next int     `json:"next,omitempty"`
}

func (f Fault) on() bool { return f.Rate > 0 || f.Next > 0 }

// Latency delays requests: every one by Fixed, and a fraction TailRate by
// Tail more (the long tail).
type Latency struct {
	Fixed    Duration `json:"fixed,omitempty"`
	TailRate float64  `json:"tailRate,omitempty"`
	Tail     Duration `json:"tail,omitempty"`
}

// DynamoDBFaults are the faults of the functions' DynamoDB calls.
type DynamoDBFaults struct {
	Latency Latency `json:"latency"`
	// Throttle answers 400 ThrottlingException.
	Throttle Fault `json:"throttle"`
	// Throughput answers 400 ProvisionedThroughputExceededException.
	Throughput Fault `json:"throughput"`
	// Error500 answers 500 InternalServerError.
	Error500 Fault `json:"error500"`
	// Conflict answers a TransactWriteItems with 400
	// TransactionCanceledException, every reason TransactionConflict.
	Conflict Fault `json:"conflict"`
}

// ManagementFaults are the faults of PostToConnection.
type ManagementFaults struct {
	Latency Latency `json:"latency"`
	// Throttle answers 429 LimitExceededException.
	Throttle Fault `json:"throttle"`
	// Error500 answers 500 InternalServerErrorException.
	Error500 Fault `json:"error500"`
	// Gone answers 410 GoneException, as for a connection that closed.
	Gone Fault `json:"gone"`
	// Connections, when set, limits these faults to the posts to these
	// connection ids: one recipient failing while the others do not.
	Connections []string `json:"connections,omitempty"`
}

// JWKSFaults are the faults of fetching the token issuer's keys.
type JWKSFaults struct {
	Latency Latency `json:"latency"`
	// Unreachable fails the fetch as a refused connection.
	Unreachable Fault `json:"unreachable"`
}

// FunctionFaults are the faults of one function's invocations.
type FunctionFaults struct {
	// Panic makes the invocation panic.
	Panic Fault `json:"panic"`
	// Timeout makes the invocation run until its deadline and time out.
	Timeout Fault `json:"timeout"`
	// ColdStart starts the invocation in a new environment that takes
	// ColdStartDelay to initialise.
	ColdStart      Fault    `json:"coldStart"`
	ColdStartDelay Duration `json:"coldStartDelay,omitempty"`
}

// Outage is a service answering nothing at all (connection refused) for
// For, starting After from when the plan is set.
type Outage struct {
	Service string   `json:"service"`
	After   Duration `json:"after,omitempty"`
	For     Duration `json:"for"`
	// Start and End are when it runs, filled in when the plan is set.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// Plan is every fault the local stack injects. The zero Plan injects none.
type Plan struct {
	// Seed, when not 0, makes the choice of failing requests repeatable.
	Seed       int64                     `json:"seed,omitempty"`
	DynamoDB   DynamoDBFaults            `json:"dynamodb"`
	Management ManagementFaults          `json:"management"`
	JWKS       JWKSFaults                `json:"jwks"`
	Functions  map[string]FunctionFaults `json:"functions,omitempty"`
	Outages    []Outage                  `json:"outages,omitempty"`
}

// Validate checks every rate is a fraction, every count and duration is
// not negative and every outage names a known service.
func (p Plan) Validate() error {
	check := func(name string, f Fault) error {
		if f.Rate < 0 || f.Rate > 1 || f.Next < 0 {
			return fmt.Errorf("faults: %s: rate must be between 0 and 1 and next not negative", name)
		}
		return nil
	}
	checkLatency := func(name string, l Latency) error {
		if l.TailRate < 0 || l.TailRate > 1 {
			return fmt.Errorf("faults: %s.latency: tailRate must be between 0 and 1", name)
		}
		return nil
	}
	errs := []error{
		checkLatency(DynamoDB, p.DynamoDB.Latency), checkLatency(Management, p.Management.Latency), checkLatency(JWKS, p.JWKS.Latency),
		check("dynamodb.throttle", p.DynamoDB.Throttle), check("dynamodb.throughput", p.DynamoDB.Throughput),
		check("dynamodb.error500", p.DynamoDB.Error500), check("dynamodb.conflict", p.DynamoDB.Conflict),
		check("management.throttle", p.Management.Throttle), check("management.error500", p.Management.Error500),
		check("management.gone", p.Management.Gone), check("jwks.unreachable", p.JWKS.Unreachable),
	}
	for name, f := range p.Functions {
		errs = append(errs, check("functions."+name+".panic", f.Panic), check("functions."+name+".timeout", f.Timeout),
			check("functions."+name+".coldStart", f.ColdStart))
	}
	for _, o := range p.Outages {
		switch o.Service {
		case DynamoDB, Management, JWKS:
		default:
			errs = append(errs, fmt.Errorf("faults: outage of %q: the services are dynamodb, management and jwks", o.Service))
		}
		if o.For <= 0 {
			errs = append(errs, fmt.Errorf("faults: outage of %s: for must be a positive duration", o.Service))
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Injector applies a Plan; it is safe for concurrent use and its plan can
// be replaced at any time. The zero Injector is not usable: call New.
type Injector struct {
	mu     sync.Mutex
	plan   Plan
	rng    *rand.Rand
	now    func() time.Time
	counts map[string]int64
}

// New returns an Injector with no fault.
func New() *Injector {
	return &Injector{rng: newRand(0), now: time.Now, counts: map[string]int64{}}
}

func newRand(seed int64) *rand.Rand {
	if seed == 0 {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return rand.New(rand.NewPCG(uint64(seed), 0x636f6e66696465)) // "confide"
}

// Set replaces the plan. Outages start After from now. It returns the plan
// as applied (outages with their start and end).
func (in *Injector) Set(p Plan) (Plan, error) {
	if err := p.Validate(); err != nil {
		return Plan{}, err
	}
	now := in.now()
	outages := make([]Outage, len(p.Outages))
	for i, o := range p.Outages {
		o.Start = now.Add(time.Duration(o.After))
		o.End = o.Start.Add(time.Duration(o.For))
		outages[i] = o
	}
	p.Outages = outages
	in.mu.Lock()
	defer in.mu.Unlock()
	in.plan = p
	in.rng = newRand(p.Seed)
	return p, nil
}

// Plan returns the plan in force: Next counts as they are now.
func (in *Injector) Plan() Plan {
	in.mu.Lock()
	defer in.mu.Unlock()
	p := in.plan
	p.Functions = maps.Clone(in.plan.Functions)
	p.Outages = slices.Clone(in.plan.Outages)
	return p
}

// Counts returns how many faults of each kind ("dynamodb.throttle",
// "functions.message.panic", "dynamodb.outage" ...) were injected so far.
func (in *Injector) Counts() map[string]int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return maps.Clone(in.counts)
}

// Status is what the control shows: the plan and the faults injected.
type Status struct {
	Plan     Plan             `json:"plan"`
	Injected map[string]int64 `json:"injected"`
	// Down lists the services in an outage now.
	Down []string `json:"down"`
}

// Status returns the plan, the counts and the services down now.
func (in *Injector) Status() Status {
	s := Status{Plan: in.Plan(), Injected: in.Counts(), Down: []string{}}
	for _, svc := range []string{DynamoDB, Management, JWKS} {
		if in.down(svc) {
			s.Down = append(s.Down, svc)
		}
	}
	return s
}

// pick decides, under the lock, whether the fault at *f fires for one
// request, consuming one of its Next; it counts the fault under name.
func (in *Injector) pick(name string, f *Fault) bool {
	fire := false
	switch {
	case f.Next > 0:
		f.Next--
		fire = true
	case f.Rate > 0:
		fire = in.rng.Float64() < f.Rate
	}
	if fire {
		in.counts[name]++
	}
	return fire
}

// delay is how long latency l holds one request.
func (in *Injector) delay(l Latency) time.Duration {
	d := time.Duration(l.Fixed)
	if l.TailRate > 0 && in.rng.Float64() < l.TailRate {
		d += time.Duration(l.Tail)
	}
	return d
}

// down reports whether service is in an outage now, and counts it.
func (in *Injector) down(service string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.downLocked(service)
}

func (in *Injector) downLocked(service string) bool {
	now := in.now()
	for _, o := range in.plan.Outages {
		if o.Service == service && !now.Before(o.Start) && now.Before(o.End) {
			return true
		}
	}
	return false
}

// Invocation is what happens to one invocation of a function.
type Invocation struct {
	Panic   bool
	Timeout bool
	// ColdStart, when positive, is how long a new environment takes to start.
	ColdStart time.Duration
}

// Invoke decides the faults of one invocation of function fn.
func (in *Injector) Invoke(fn string) Invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	f, ok := in.plan.Functions[fn]
	if !ok {
		return Invocation{}
	}
	defer func() { in.plan.Functions[fn] = f }()
	var inv Invocation
	prefix := "functions." + fn + "."
	if f.ColdStart.on() && in.pick(prefix+"coldStart", &f.ColdStart) {
		inv.ColdStart = time.Duration(f.ColdStartDelay)
		if inv.ColdStart == 0 {
			inv.ColdStart = DefaultColdStart
		}
	}
	switch {
	case f.Panic.on() && in.pick(prefix+"panic", &f.Panic):
		inv.Panic = true
	case f.Timeout.on() && in.pick(prefix+"timeout", &f.Timeout):
		inv.Timeout = true
	}
	return inv
}

// DefaultColdStart is the delay of a slow cold start with no delay given.
const DefaultColdStart = 3 * time.Second

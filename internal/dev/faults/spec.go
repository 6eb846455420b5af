package faults

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/textlist"
)

// SpecHelp describes the syntax ParseSpec reads, for a flag's usage.
const SpecHelp = `comma-separated faults: dynamodb.{throttle,throughput,error500,conflict}=RATE, ` +
	`management.{throttle,error500,gone}=RATE, jwks.unreachable=RATE, ` +
	`{dynamodb,management,jwks}.latency=DURATION, {dynamodb,management,jwks}.tail=RATE:DURATION, ` +
	`fn.{panic,timeout}=FUNCTION:RATE, fn.coldstart=FUNCTION:RATE[:DURATION], seed=N; ` +
	`RATE is a fraction (0.05) or Nx for exactly the next N requests (3x); mgmt is short for management`

// ParseSpec reads a plan written as the -faults flag of cmd/devstack:
//
//	dynamodb.throttle=0.05,dynamodb.error500=0.01,mgmt.error500=0.02,fn.panic=message:0.01
//
// See SpecHelp. The empty string is the empty plan.
func ParseSpec(spec string) (Plan, error) {
	var p Plan
	for _, item := range textlist.Split(spec) {
		key, value, ok := strings.Cut(item, "=")
		if !ok {
			return Plan{}, fmt.Errorf("faults: %q: want key=value", item)
		}
		if err := p.set(strings.TrimSpace(key), strings.TrimSpace(value)); err != nil {
			return Plan{}, fmt.Errorf("faults: %s: %w", item, err)
		}
	}
	return p, p.Validate()
}

func (p *Plan) set(key, value string) error {
	if key == "seed" {
		n, err := strconv.ParseInt(value, 10, 64)
		p.Seed = n
		return err
	}
	service, kind, ok := strings.Cut(key, ".")
	if !ok {
		return fmt.Errorf("unknown fault %q", key)
	}
	if service == "mgmt" {
		service = Management
	}
	if service == "fn" {
		return p.setFunction(kind, value)
	}
	var lat *Latency
	faults := map[string]*Fault{}
	switch service {
	case DynamoDB:
		d := &p.DynamoDB
		lat = &d.Latency
		faults = map[string]*Fault{"throttle": &d.Throttle, "throughput": &d.Throughput, "error500": &d.Error500, "conflict": &d.Conflict}
	case Management:
		m := &p.Management
		lat = &m.Latency
		faults = map[string]*Fault{"throttle": &m.Throttle, "error500": &m.Error500, "gone": &m.Gone}
	case JWKS:
		lat = &p.JWKS.Latency
		faults = map[string]*Fault{"unreachable": &p.JWKS.Unreachable}
	default:
		return fmt.Errorf("unknown service %q", service)
	}
	switch kind {
	case "latency":
		d, err := parseDuration(value)
		lat.Fixed = d
		return err
	case "tail":
		rate, dur, ok := strings.Cut(value, ":")
		if !ok {
			return fmt.Errorf("want RATE:DURATION")
		}
		r, err := strconv.ParseFloat(rate, 64)
		if err != nil {
			return err
		}
		d, err := parseDuration(dur)
		lat.TailRate, lat.Tail = r, d
		return err
	}
	f, ok := faults[kind]
	if !ok {
		return fmt.Errorf("unknown fault %q of %s", kind, service)
	}
	var err error
	*f, err = parseFault(value)
	return err
}

func (p *Plan) setFunction(kind, value string) error {
	parts := strings.Split(value, ":")
	if len(parts) < 2 || parts[0] == "" {
		return fmt.Errorf("want FUNCTION:RATE")
	}
	fault, err := parseFault(parts[1])
	if err != nil {
		return err
	}
	if p.Functions == nil {
		p.Functions = map[string]FunctionFaults{}
	}
	f := p.Functions[parts[0]]
	switch {
	case kind == "panic" && len(parts) == 2:
		f.Panic = fault
	case kind == "timeout" && len(parts) == 2:
		f.Timeout = fault
	case kind == "coldstart" && len(parts) <= 3:
		f.ColdStart = fault
		if len(parts) == 3 {
			if f.ColdStartDelay, err = parseDuration(parts[2]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown function fault %q (panic, timeout, coldstart)", kind)
	}
	p.Functions[parts[0]] = f
	return nil
}

// parseFault reads "0.05" (a rate) or "3x" (the next three).
func parseFault(s string) (Fault, error) {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		next, err := strconv.Atoi(n)
		if err != nil || next < 0 {
			return Fault{}, fmt.Errorf("%q: want a count such as 3x", s)
		}
		return Fault{Next: next}, nil
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Fault{}, fmt.Errorf("%q: want a fraction such as 0.05", s)
	}
	return Fault{Rate: r}, nil
}

func parseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want a duration such as 250ms", s)
	}
	return Duration(d), nil
}

// OutageHelp describes the syntax ParseOutages reads.
const OutageHelp = `comma-separated outages SERVICE:FOR@AFTER (dynamodb:10s@60s: DynamoDB refuses connections for 10 s, starting 60 s after start); services: dynamodb, management, jwks`

// ParseOutages reads outages written as the -faults-outage flag:
// "dynamodb:10s@60s,jwks:5s@0s".
func ParseOutages(spec string) ([]Outage, error) {
	var out []Outage
	for _, item := range textlist.Split(spec) {
		service, rest, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("faults: outage %q: want SERVICE:FOR@AFTER", item)
		}
		forS, afterS, _ := strings.Cut(rest, "@")
		o := Outage{Service: service}
		var err error
		if o.For, err = parseDuration(forS); err != nil {
			return nil, fmt.Errorf("faults: outage %q: %w", item, err)
		}
		if afterS != "" {
			if o.After, err = parseDuration(afterS); err != nil {
				return nil, fmt.Errorf("faults: outage %q: %w", item, err)
			}
		}
		out = append(out, o)
	}
	return out, Plan{Outages: out}.Validate()
}

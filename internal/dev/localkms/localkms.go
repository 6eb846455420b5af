package localkms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
	"github.com/nsmithuk/local-kms/src/handler"
	"github.com/sirupsen/logrus"
)

const (
	// Region is the region the local clients sign for and the key ARNs name.
	Region = "us-east-1"
	// Account is the account the key ARNs name.
	Account = "111122223333"
)

// operations are the KMS operations the local server answers: everything
// Confide does with a symmetric key, and what a test needs to look at one.
var operations = map[string]func(*handler.RequestHandler) handler.Response{
	"CreateKey":                       (*handler.RequestHandler).CreateKey,
	"DescribeKey":                     (*handler.RequestHandler).DescribeKey,
	"ListKeys":                        (*handler.RequestHandler).ListKeys,
	"EnableKeyRotation":               (*handler.RequestHandler).EnableKeyRotation,
	"DisableKeyRotation":              (*handler.RequestHandler).DisableKeyRotation,
	"GetKeyRotationStatus":            (*handler.RequestHandler).GetKeyRotationStatus,
	"EnableKey":                       (*handler.RequestHandler).EnableKey,
	"DisableKey":                      (*handler.RequestHandler).DisableKey,
	"ScheduleKeyDeletion":             (*handler.RequestHandler).ScheduleKeyDeletion,
	"CancelKeyDeletion":               (*handler.RequestHandler).CancelKeyDeletion,
	"GenerateDataKey":                 (*handler.RequestHandler).GenerateDataKey,
	"GenerateDataKeyWithoutPlaintext": (*handler.RequestHandler).GenerateDataKeyWithoutPlaintext,
	"Encrypt":                         (*handler.RequestHandler).Encrypt,
	"Decrypt":                         (*handler.RequestHandler).Decrypt,
	"ReEncrypt":                       (*handler.RequestHandler).ReEncrypt,
	"CreateAlias":                     (*handler.RequestHandler).CreateAlias,
	"ListAliases":                     (*handler.RequestHandler).ListAliases,
}

// configure sets local-kms's process-wide account and region once, before
// any server answers.
var configure = sync.OnceFunc(func() {
	config.AWSAccountId = Account
	config.AWSRegion = Region
})

// Server is a running local KMS.
type Server struct {
	// Endpoint is the base URL clients talk to, e.g. http://127.0.0.1:41234.
	Endpoint string

	http *http.Server
	db   *data.Database
	dir  string
	done chan struct{}
}

// Start runs a local KMS on 127.0.0.1 at a free port, with no keys. ctx
// bounds the start only.
func Start(ctx context.Context) (*Server, error) { return StartOn(ctx, "127.0.0.1:0") }

// StartOn runs a local KMS listening on addr (host:port; port 0 picks a
// free one). It fails at once when the address is taken.
func StartOn(ctx context.Context, addr string) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start local kms: %w", err)
	}
	configure()
	dir, err := os.MkdirTemp("", "confide-localkms-")
	if err != nil {
		return nil, fmt.Errorf("local kms data folder: %w", err)
	}
	db, err := openDatabase(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		db.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("listen for local kms on %s: %w", addr, err)
	}
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		http:     &http.Server{Handler: newHandler(db), ReadHeaderTimeout: 10 * time.Second},
		db:       db,
		dir:      dir,
		done:     make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("local kms stopped", "endpoint", s.Endpoint, "err", err)
		}
	}()
	return s, nil
}

// openDatabase opens local-kms's LevelDB in dir; local-kms panics when it
// cannot, so the panic is turned back into an error.
func openDatabase(dir string) (db *data.Database, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("open local kms database in %s: %v", dir, r)
		}
	}()
	return data.NewDatabase(dir), nil
}

// newHandler answers the KMS JSON protocol (POST / with X-Amz-Target
// TrentService.<Operation>) from the keys in db, for the operations in
// operations. local-kms's handlers log warnings (refused requests) to
// standard error; they never log key material or plaintext.
func newHandler(db *data.Database) http.Handler {
	logger := logrus.New()
	logger.SetLevel(logrus.WarnLevel)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/" {
			writeError(w, http.StatusNotFound, "UnknownOperationException", "only POST / is served")
			return
		}
		service, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		call, ok := operations[op]
		if service != "TrentService" || !ok {
			writeError(w, http.StatusBadRequest, "UnsupportedOperationException",
				fmt.Sprintf("the local kms does not answer %q", r.Header.Get("X-Amz-Target")))
			return
		}
		res := call(handler.NewRequestHandler(r, logger, db))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(res.Code)
		_, _ = w.Write([]byte(res.Body))
	})
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Client returns a KMS client for the server: static fake credentials,
// region us-east-1. optFns adjust the client's options further.
func (s *Server) Client(_ context.Context, optFns ...func(*kms.Options)) *kms.Client {
	return NewClient(s.Endpoint, optFns...)
}

// NewClient returns a KMS client for a local endpoint with static fake
// credentials in region us-east-1. It reads no environment or shared
// configuration.
func NewClient(endpoint string, optFns ...func(*kms.Options)) *kms.Client {
	opts := kms.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return kms.New(opts, optFns...)
}

// CreateKey creates a symmetric encryption key (SYMMETRIC_DEFAULT,
// ENCRYPT_DECRYPT) with automatic rotation enabled, as the stack's key is,
// and returns its ARN.
func (s *Server) CreateKey(ctx context.Context) (string, error) {
	c := s.Client(ctx)
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("Confide local data key wrapping key"),
		KeySpec:     types.KeySpecSymmetricDefault,
		KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
	})
	if err != nil {
		return "", fmt.Errorf("create local kms key: %w", err)
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	if _, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(arn)}); err != nil {
		return "", fmt.Errorf("enable rotation of local kms key %s: %w", arn, err)
	}
	return arn, nil
}

// Close stops the server at once, dropping open connections, waits until
// it has stopped, and deletes its keys.
func (s *Server) Close() error {
	err := s.http.Close()
	<-s.done
	s.db.Close()
	if rmErr := os.RemoveAll(s.dir); rmErr != nil && err == nil {
		err = rmErr
	}
	if err != nil {
		return fmt.Errorf("stop local kms: %w", err)
	}
	return nil
}

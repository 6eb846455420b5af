package localkms_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/confidechat/confide/internal/dev/localkms"
)

func start(t *testing.T) *localkms.Server {
	t.Helper()
	srv, err := localkms.Start(t.Context())
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return srv
}

func TestServesOnALoopbackPort(t *testing.T) {
	srv := start(t)
	if !strings.HasPrefix(srv.Endpoint, "http://127.0.0.1:") || strings.HasSuffix(srv.Endpoint, ":0") {
		t.Errorf("Endpoint = %q, want http://127.0.0.1:<a port>", srv.Endpoint)
	}
	other := start(t)
	if other.Endpoint == srv.Endpoint {
		t.Errorf("two servers share %s", srv.Endpoint)
	}
}

func TestCreateKeyIsASymmetricKeyWithRotation(t *testing.T) {
	ctx := t.Context()
	srv := start(t)
	arn, err := srv.CreateKey(ctx)
	if err != nil {
		t.Fatalf("CreateKey() error = %v", err)
	}
	if !strings.HasPrefix(arn, "arn:aws:kms:us-east-1:111122223333:key/") {
		t.Errorf("CreateKey() = %q, want a key ARN in us-east-1", arn)
	}
	c := srv.Client(ctx)
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeKey() error = %v", err)
	}
	if m := desc.KeyMetadata; m.KeySpec != types.KeySpecSymmetricDefault || m.KeyUsage != types.KeyUsageTypeEncryptDecrypt || !m.Enabled {
		t.Errorf("key spec %s usage %s enabled %v, want SYMMETRIC_DEFAULT ENCRYPT_DECRYPT true", m.KeySpec, m.KeyUsage, m.Enabled)
	}
	rot, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetKeyRotationStatus() error = %v", err)
	}
	if !rot.KeyRotationEnabled {
		t.Error("KeyRotationEnabled = false, want true")
	}
}

// TestDataKeysOpenOnlyUnderTheirEncryptionContext is what the seal package
// relies on: GenerateDataKey (AES_256) under a context, Decrypt giving the
// same key back under that context and refusing any other.
func TestDataKeysOpenOnlyUnderTheirEncryptionContext(t *testing.T) {
	ctx := t.Context()
	srv := start(t)
	arn, err := srv.CreateKey(ctx)
	if err != nil {
		t.Fatalf("CreateKey() error = %v", err)
	}
	c := srv.Client(ctx)
	context := map[string]string{"confide:data-key": "hour#2035-06-01T12"}
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(arn), KeySpec: types.DataKeySpecAes256, EncryptionContext: context,
	})
	if err != nil {
		t.Fatalf("GenerateDataKey() error = %v", err)
	}
	if len(dk.Plaintext) != 32 || len(dk.CiphertextBlob) == 0 || aws.ToString(dk.KeyId) != arn {
		t.Fatalf("GenerateDataKey() = %d-byte key, %d-byte blob, key %q; want 32, some, %q",
			len(dk.Plaintext), len(dk.CiphertextBlob), aws.ToString(dk.KeyId), arn)
	}
	tests := []struct {
		name    string
		context map[string]string
		wantErr bool
	}{
		{"SameContext", context, false},
		{"AnotherDataKeyID", map[string]string{"confide:data-key": "hour#2035-06-01T13"}, true},
		{"NoContext", nil, true},
		{"ExtraEntry", map[string]string{"confide:data-key": "hour#2035-06-01T12", "x": "y"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.Decrypt(ctx, &kms.DecryptInput{
				KeyId: aws.String(arn), CiphertextBlob: dk.CiphertextBlob, EncryptionContext: tt.context,
			})
			if tt.wantErr {
				var invalid *types.InvalidCiphertextException
				if !errors.As(err, &invalid) {
					t.Fatalf("Decrypt() error = %v, want InvalidCiphertextException", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decrypt() error = %v", err)
			}
			if !bytes.Equal(out.Plaintext, dk.Plaintext) {
				t.Error("Decrypt() gave another key than GenerateDataKey")
			}
		})
	}
}

func TestEncryptDecryptWithContext(t *testing.T) {
	ctx := t.Context()
	srv := start(t)
	arn, err := srv.CreateKey(ctx)
	if err != nil {
		t.Fatalf("CreateKey() error = %v", err)
	}
	c := srv.Client(ctx)
	ec := map[string]string{"purpose": "test"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("hello"), EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Encrypt() error = %v", err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Decrypt() error = %v", err)
	}
	if string(dec.Plaintext) != "hello" || aws.ToString(dec.KeyId) != arn {
		t.Errorf("Decrypt() = %q under %q, want hello under %q", dec.Plaintext, aws.ToString(dec.KeyId), arn)
	}
}

func TestRefusals(t *testing.T) {
	ctx := t.Context()
	srv := start(t)
	c := srv.Client(ctx)
	tests := []struct {
		name     string
		call     func(context.Context) error
		wantCode string
	}{
		{"UnknownKey", func(ctx context.Context) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
				KeyId: aws.String("arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"), KeySpec: types.DataKeySpecAes256,
			})
			return err
		}, "NotFoundException"},
		{"OperationNotServed", func(ctx context.Context) error {
			_, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String("k"), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}, "UnsupportedOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var api smithy.APIError
			if err := tt.call(ctx); !errors.As(err, &api) || api.ErrorCode() != tt.wantCode {
				t.Errorf("error = %v, want %s", err, tt.wantCode)
			}
		})
	}
	res, err := http.Get(srv.Endpoint + "/")
	if err != nil {
		t.Fatalf("GET / error = %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET / = %d, want 404", res.StatusCode)
	}
}

func TestCloseRemovesTheKeys(t *testing.T) {
	srv, err := localkms.Start(t.Context())
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	if _, err := srv.CreateKey(t.Context()); err != nil {
		t.Fatalf("CreateKey() error = %v", err)
	}
	dir := folderOf(t, srv)
	if err := srv.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data folder %s still there after Close (stat error %v)", dir, err)
	}
}

func folderOf(t *testing.T, srv *localkms.Server) string {
	t.Helper()
	dir := localkms.DataDir(srv)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data folder %s: %v", dir, err)
	}
	return dir
}

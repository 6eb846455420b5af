// Package localkms runs a local AWS KMS for the local stack and the tests:
// the key service of github.com/nsmithuk/local-kms, embedded in the process
// and served on a loopback port, spoken to by the real aws-sdk-go-v2 KMS
// client. It never talks to AWS.
//
// # Why local-kms, and how it is embedded
//
// local-kms (MIT licence, Neil Smith) is a Go implementation of the KMS JSON
// protocol. Its command (package main) reads its settings from environment
// variables and serves on http.DefaultServeMux at a fixed port, so it is not
// used; its src/handler package is: handler.NewRequestHandler answers one
// request against a data.Database, and this package routes each request's
// X-Amz-Target to the handler method of that name (the key, rotation, data
// key, encrypt, decrypt and alias operations; others get
// UnsupportedOperationException). The exported
// src.HandleRequest would serve as an http.Handler too, but it logs every
// call at INFO through a logger of its own that cannot be quietened; here
// the handlers log warnings only.
//
// Keys live in a LevelDB database: local-kms has no in-memory store, so each
// Server keeps its database in a fresh temporary folder that Close removes.
// The key ARNs' account (111122223333) and region (us-east-1) are settings
// global to local-kms's packages; this package sets them once per process.
//
// What was checked against it with the SDK's KMS client (localkms_test.go):
// CreateKey (SYMMETRIC_DEFAULT), EnableKeyRotation and
// GetKeyRotationStatus, GenerateDataKey (AES_256) with an encryption
// context, Decrypt with the same context and refused (InvalidCiphertext)
// with another or none, Encrypt and Decrypt with a context, and an unknown
// key refused (NotFound). What it does not do: IAM and key policies are
// stored but never enforced (every caller may do everything), rotation is
// recorded but a key rotates only a year after its creation, and no
// CloudTrail. Its dependencies (aws-sdk-go v1 for the request types,
// goleveldb, logrus, btcec, gofrs/uuid, yaml.v2) are compiled only into
// programs that import this package, never into a function.
package localkms

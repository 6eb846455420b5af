// Package endpoints is the file that tells tools where a Confide deployment
// answers: `.devstack/endpoints.json` for the local stack, or one made from
// a deployed stack's outputs. The end to end suite, confidectl and the load
// generator read it; the local stack writes it.
package endpoints

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Endpoints are the addresses of one deployment, with exactly these keys.
type Endpoints struct {
	HTTPAPI          string `json:"httpApi"`
	WebSocket        string `json:"websocket"`
	CognitoEndpoint  string `json:"cognitoEndpoint"`
	UserPoolID       string `json:"userPoolId"`
	UserPoolClientID string `json:"userPoolClientId"`
	Issuer           string `json:"issuer"`
	DynamoDBEndpoint string `json:"dynamodbEndpoint"`
	TableName        string `json:"tableName"`
	// KMSEndpoint is where the key that wraps the data keys of message
	// encryption answers, KMSKeyID that key (an ARN) and KeyTableName the
	// table of wrapped data keys: what confidectl needs to open and
	// destroy them.
	KMSEndpoint  string `json:"kmsEndpoint"`
	KMSKeyID     string `json:"kmsKeyId"`
	KeyTableName string `json:"keyTableName"`
	WidgetDemo   string `json:"widgetDemo"`
	Dashboard    string `json:"dashboard"`
}

// FileName is the name of the file in the local stack's state folder.
const FileName = "endpoints.json"

// Read reads an endpoints file.
func Read(path string) (Endpoints, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Endpoints{}, err
	}
	var e Endpoints
	if err := json.Unmarshal(b, &e); err != nil {
		return Endpoints{}, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// Write writes e as dir/endpoints.json.
func (e Endpoints) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, FileName), append(b, '\n'), 0o644)
}

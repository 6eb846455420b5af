package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/routes"
)

func TestUserPoolSignsInByEmailWithStrongPasswords(t *testing.T) {
	tpl := standard(t)
	must(t, func() {
		tpl.assert.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"UsernameAttributes":     []any{"email"},
			"AutoVerifiedAttributes": []any{"email"},
			"MfaConfiguration":       "OPTIONAL",
			"EnabledMfas":            []any{"SOFTWARE_TOKEN_MFA"},
			"Policies": map[string]any{"PasswordPolicy": assertions.Match_ObjectLike(&map[string]any{
				"MinimumLength": minPasswordLength, "RequireLowercase": true, "RequireUppercase": true,
				"RequireNumbers": true, "RequireSymbols": true,
			})},
		})
		tpl.assert.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{
			"GroupName": "staff",
		})
		tpl.assert.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{
			"GroupName": "supervisors",
		})
		tpl.assert.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
			"GenerateSecret":       false,
			"ExplicitAuthFlows":    []any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			"AccessTokenValidity":  accessTokenMinutes,
			"IdTokenValidity":      accessTokenMinutes,
			"RefreshTokenValidity": refreshTokenHours * 60,
			"TokenValidityUnits": map[string]any{
				"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes",
			},
			"EnableTokenRevocation": true,
		})
	})
}

func TestExistingUserPoolIsUsedAsIs(t *testing.T) {
	tpl := synth(t, map[string]any{
		"userPoolId": "eu-west-1_Abc123", "userPoolClientId": "client123", "staffGroup": "counsellors",
		"supervisorGroup": "leads",
	}, false)
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup"} {
		if got := tpl.ofType(typ); len(got) != 0 {
			t.Errorf("%s created with an existing pool: %v", typ, got)
		}
	}
	api := environment(tpl.Resources[tpl.functionIDs(t)[routes.API]])
	want := map[string]string{
		envvar.Issuer:          "https://cognito-idp.${AWS::Region}.amazonaws.com/eu-west-1_Abc123",
		envvar.ClientID:        "client123",
		envvar.StaffGroup:      "counsellors",
		envvar.SupervisorGroup: "leads",
	}
	for name, w := range want {
		if got := render(api[name]); got != w {
			t.Errorf("%s: got %s, want %s", name, got, w)
		}
	}
}

func TestInvalidSettingsStopTheSynth(t *testing.T) {
	cases := []struct {
		name    string
		context map[string]any
		assets  func(t *testing.T) string
		want    string
	}{
		{"RetentionCloudWatchRefuses", map[string]any{"logRetentionDays": "31"}, nil, "logRetentionDays"},
		{"PoolWithoutClient", map[string]any{"userPoolId": "eu-west-1_Abc123"}, nil, "userPoolClientId"},
		{"PlainHTTPOrigin", map[string]any{"allowedOrigins": "http://example.org"}, nil, "allowedOrigins"},
		{"UnknownLogLevel", map[string]any{"logLevel": "verbose"}, nil, "logLevel"},
		{"ThrottleNotANumber", map[string]any{"wsThrottleRate": "fast"}, nil, "wsThrottleRate"},
		{"ThemeAccentNotAColour", map[string]any{"theme": `{"accent":"teal"}`}, nil, "theme accent"},
		{"ThemeUnknownField", map[string]any{"theme": map[string]any{"colour": "#0f766e"}}, nil, "theme"},
		{"MissingBootstrap", nil, func(t *testing.T) string {
			dir := t.TempDir()
			for _, f := range functionNames()[1:] {
				os.MkdirAll(filepath.Join(dir, f), 0o755)
				os.WriteFile(filepath.Join(dir, f, "bootstrap"), []byte("x"), 0o755)
			}
			return dir
		}, "make build"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := newTestApp(t, c.context)
			root := assetRoot(t)
			if c.assets != nil {
				root = c.assets(t)
			}
			_, err := NewStack(app, "Confide", &StackProps{AssetRoot: root})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("NewStack: got error %v, want one naming %q", err, c.want)
			}
		})
	}
}

func TestAVariableTheStackCannotSetStopsTheSynth(t *testing.T) {
	fn := routes.Functions[0].Name
	saved := envvar.ReadBy[fn]
	t.Cleanup(func() { envvar.ReadBy[fn] = saved })
	envvar.ReadBy[fn] = append(slices.Clone(saved), "CONFIDE_SOMETHING_NEW")

	_, err := NewStack(newTestApp(t, nil), "Confide", &StackProps{AssetRoot: assetRoot(t)})
	if err == nil || !strings.Contains(err.Error(), "CONFIDE_SOMETHING_NEW") {
		t.Errorf("NewStack: got error %v, want one naming CONFIDE_SOMETHING_NEW", err)
	}
}

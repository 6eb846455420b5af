package main

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/webconfig"
)

func TestSecurityHeadersAreStrict(t *testing.T) {
	tpl := standard(t)
	must(t, func() {
		tpl.assert.HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), map[string]any{
			"ResponseHeadersPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
				"SecurityHeadersConfig": map[string]any{
					"ContentSecurityPolicy": map[string]any{"ContentSecurityPolicy": assertions.Match_AnyValue(), "Override": true},
					"ContentTypeOptions":    map[string]any{"Override": true},
					"FrameOptions":          map[string]any{"FrameOption": "DENY", "Override": true},
					"ReferrerPolicy":        map[string]any{"ReferrerPolicy": "no-referrer", "Override": true},
					"StrictTransportSecurity": map[string]any{
						"AccessControlMaxAgeSec": hstsSeconds, "IncludeSubdomains": true, "Override": true,
					},
				},
			}),
		})
	})
	csp := cspOf(t, tpl)
	for _, want := range []string{
		"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
		"frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'",
		"${" + wsAPI(tpl) + ".ApiEndpoint}", "https://cognito-idp.${AWS::Region}.amazonaws.com",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %s", csp)
	}
}

func TestAllowedOriginsLimitCORSAndNameTheHTTPAPIInTheCSP(t *testing.T) {
	cases := []struct {
		name    string
		context map[string]any
		// origins is what CORS and CONFIDE_ALLOWED_ORIGINS must hold;
		// distribution marks the CloudFront origin.
		origins []string
		// httpSource is what the CSP's connect-src must name for the HTTP API.
		exactHTTP bool
	}{
		{"DefaultIsTheDistribution", nil, []string{"distribution"}, false},
		{"ContextOrigins", map[string]any{"allowedOrigins": "https://help.example.org, https://d1.cloudfront.net/"},
			[]string{"https://help.example.org", "https://d1.cloudfront.net"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := standard(t)
			if c.context != nil {
				tpl = synth(t, c.context, false)
			}
			distribution := "https://${" + tpl.ofType("AWS::CloudFront::Distribution")[0] + ".DomainName}"
			var want []string
			for _, o := range c.origins {
				if o == "distribution" {
					o = distribution
				}
				want = append(want, o)
			}
			var httpAPI string
			for _, id := range tpl.ofType("AWS::ApiGatewayV2::Api") {
				if tpl.Resources[id].Properties["ProtocolType"] == "HTTP" {
					httpAPI = id
				}
			}
			cors := tpl.Resources[httpAPI].Properties["CorsConfiguration"].(map[string]any)
			if got := render(cors["AllowOrigins"]); got != strings.Join(want, ",") {
				t.Errorf("CORS origins: got %s, want %s", got, strings.Join(want, ","))
			}
			if got := render(cors["AllowMethods"]); got != "GET,POST,PUT,PATCH,DELETE" {
				t.Errorf("CORS methods: got %s", got)
			}
			if got := render(cors["AllowHeaders"]); got != "authorization,content-type" || cors["AllowCredentials"] != false {
				t.Errorf("CORS headers %s credentials %v, want authorization,content-type without credentials", got, cors["AllowCredentials"])
			}
			// The $connect authorizer is what checks a WebSocket's Origin.
			authorizer := environment(tpl.Resources[tpl.functionIDs(t)["authorizer"]])
			if got := render(authorizer["CONFIDE_ALLOWED_ORIGINS"]); got != strings.Join(want, ",") {
				t.Errorf("CONFIDE_ALLOWED_ORIGINS: got %s, want %s", got, strings.Join(want, ","))
			}
			config := tpl.Resources[tpl.ofType("AWS::CloudFront::ResponseHeadersPolicy")[0]].Properties["ResponseHeadersPolicyConfig"].(map[string]any)
			if cors, ok := config["CorsConfig"].(map[string]any); c.exactHTTP != ok {
				t.Errorf("CloudFront CORS for configured origins: got %v, want it only with configured origins", config["CorsConfig"])
			} else if ok {
				if got := render(cors["AccessControlAllowOrigins"]); got != render(map[string]any{"Items": toAny(want)}) {
					t.Errorf("CloudFront CORS origins: got %s, want %v", got, want)
				}
			}
			csp := cspOf(t, tpl)
			exact := strings.Contains(csp, "${"+httpAPI+".ApiEndpoint}")
			if exact != c.exactHTTP {
				t.Errorf("CSP names the HTTP API itself: got %v, want %v: %s", exact, c.exactHTTP, csp)
			}
			if !exact && !strings.Contains(csp, "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}") {
				t.Errorf("CSP names neither the HTTP API nor the region's execute-api hosts: %s", csp)
			}
		})
	}
}

func TestWebBucketIsPrivateBehindCloudFront(t *testing.T) {
	tpl := standard(t)
	must(t, func() {
		tpl.assert.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
			}},
		})
		tpl.assert.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				}),
			})},
		})
		tpl.assert.ResourceCountIs(jsii.String("AWS::CloudFront::OriginAccessControl"), jsii.Number(1))
		tpl.assert.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
				"DefaultCacheBehavior": assertions.Match_ObjectLike(&map[string]any{
					"ViewerProtocolPolicy":    "redirect-to-https",
					"ResponseHeadersPolicyId": assertions.Match_AnyValue(),
				}),
			}),
		})
	})
}

func TestWebIsDeployedOnlyWhenTheFolderExists(t *testing.T) {
	cases := []struct {
		name string
		web  bool
	}{{"WithWeb", true}, {"WithoutWeb", false}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := standard(t)
			if !c.web {
				tpl = synth(t, nil, false)
			}
			if got := len(tpl.ofType("Custom::CDKBucketDeployment")); got != map[bool]int{true: 1, false: 0}[c.web] {
				t.Errorf("bucket deployments: got %d with web %v", got, c.web)
			}
		})
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// cspOf returns the rendered Content-Security-Policy of the distribution.
func cspOf(t *testing.T, tpl *template) string {
	t.Helper()
	policies := tpl.ofType("AWS::CloudFront::ResponseHeadersPolicy")
	if len(policies) != 1 {
		t.Fatalf("response headers policies: got %d, want 1", len(policies))
	}
	config := tpl.Resources[policies[0]].Properties["ResponseHeadersPolicyConfig"].(map[string]any)
	security := config["SecurityHeadersConfig"].(map[string]any)
	return render(security["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])
}

// TestWebConfigCarriesTheCannedReplies: the cannedReplies context becomes
// config.json's cannedReplies, checked; without it there are none (the
// local stack's examples are never deployed).
func TestWebConfigCarriesTheCannedReplies(t *testing.T) {
	tests := []struct {
		name    string
		context string
		want    []any
		wantErr string
	}{
		{"NoneByDefault", "", []any{}, ""},
		{"FromContext", `[{"label":"Hello","text":"Hi, I'm here."}]`, []any{map[string]any{"label": "Hello", "text": "Hi, I'm here."}}, ""},
		{"Malformed", `[{"label":""}]`, nil, "cannedReplies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webConfigOf(settings{cannedReplies: tt.context}, webconfig.Config{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got["cannedReplies"], tt.want) {
				t.Errorf("cannedReplies = %#v, want %#v", got["cannedReplies"], tt.want)
			}
		})
	}
}

// TestWebConfigIsTheLocalStacksShape: the config.json the stack writes has
// exactly the fields of webconfig.Config (what the local stack serves and the
// clients read), with the message limit the functions get.
func TestWebConfigIsTheLocalStacksShape(t *testing.T) {
	tests := []struct {
		name    string
		limits  map[string]string
		want    float64
		wantErr string
	}{
		{"Default", nil, float64(chat.DefaultLimits().MaxMessageChars), ""},
		{"FromContext", map[string]string{envvar.MaxMessageChars: "2000"}, 2000, ""},
		{"NotANumber", map[string]string{envvar.MaxMessageChars: "lots"}, 0, "not a positive whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webConfigOf(settings{limits: tt.limits}, webconfig.Config{HTTPAPI: "h", WebSocket: "w", CognitoEndpoint: "c", UserPoolClientID: "p"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			keys := slices.Sorted(maps.Keys(got))
			if want := []string{"cannedReplies", "cognitoEndpoint", "httpApi", "limits", "theme", "userPoolClientId", "websocket"}; !slices.Equal(keys, want) {
				t.Errorf("config.json keys = %v, want %v", keys, want)
			}
			limits := got["limits"].(map[string]any)
			if limits["messageChars"] != tt.want || limits["frameBytes"] != float64(routes.MaxFrameBytes) {
				t.Errorf("limits = %v, want messageChars %v and frameBytes %d", limits, tt.want, routes.MaxFrameBytes)
			}
		})
	}
}

// TestWebConfigCarriesTheTheme: the theme context reaches config.json.
func TestWebConfigCarriesTheTheme(t *testing.T) {
	theme := webconfig.Theme{Name: "Northfield", Accent: "#0f766e", Crisis: []webconfig.CrisisLine{{Label: "Emergency", Number: "999"}}}
	got, err := webConfigOf(settings{theme: theme}, webconfig.Config{})
	if err != nil {
		t.Fatal(err)
	}
	th, _ := got["theme"].(map[string]any)
	if th["name"] != "Northfield" || th["accent"] != "#0f766e" || len(th["crisis"].([]any)) != 1 {
		t.Errorf("config.json theme = %v, want %+v", th, theme)
	}
}

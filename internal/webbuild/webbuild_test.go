package webbuild

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sourceMap is the part of a source map the tests read.
type sourceMap struct {
	Sources        []string `json:"sources"`
	SourcesContent []string `json:"sourcesContent"`
}

func TestMinify(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		src     string
		want    []string // in the minified code
		notWant []string
		wantErr string
	}{
		{
			name:    "a module keeps its exports and loses its comments and long names",
			file:    "shared/protocol.js",
			src:     "// A comment for people.\nimport { x } from './x.js';\nconst longLocalName = (value) => value + x;\nexport function visible(argument) { return longLocalName(argument); }\n",
			want:    []string{"export", "visible", "./x.js", "//# sourceMappingURL=protocol.js.map\n"},
			notWant: []string{"A comment for people", "longLocalName", "argument"},
		},
		{
			name:    "a classic script keeps its strict mode",
			file:    "widget/widget.js",
			src:     "(function () {\n  'use strict';\n  var queue = window.Confide;\n  window.Confide = { q: queue };\n})();\n",
			want:    []string{`"use strict"`, "window.Confide", "//# sourceMappingURL=widget.js.map\n"},
			notWant: []string{"\n  "},
		},
		{
			name:    "a style sheet",
			file:    "widget/widget.css",
			src:     "/* colours */\n:host {\n  color: #ffffff;\n}\n",
			want:    []string{":host{color:#fff}", "/*# sourceMappingURL=widget.css.map */\n"},
			notWant: []string{"colours"},
		},
		{name: "a syntax error names the file and line", file: "widget/app.js", src: "const a = 1;\nfunction (\n", wantErr: "widget/app.js:2:"},
		{name: "a page is not minified", file: "index.html", src: "<p>hi</p>", wantErr: "not a script or a style sheet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Minify(tt.file, []byte(tt.src))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Minify error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Minify: %v", err)
			}
			code := string(got.Code)
			for _, w := range tt.want {
				if !strings.Contains(code, w) {
					t.Errorf("minified code lacks %q:\n%s", w, code)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(code, w) {
					t.Errorf("minified code still has %q:\n%s", w, code)
				}
			}
			if len(code) >= len(tt.src)+len("//# sourceMappingURL=")+len(tt.file)+5 {
				t.Errorf("minified code is %d bytes from %d", len(code), len(tt.src))
			}
			var m sourceMap
			if err := json.Unmarshal(got.Map, &m); err != nil {
				t.Fatalf("source map: %v", err)
			}
			if len(m.SourcesContent) != 1 || m.SourcesContent[0] != tt.src {
				t.Errorf("source map holds %q, want the original text", m.SourcesContent)
			}
		})
	}
}

// TestTheClientsBuild minifies every script and style sheet of web/: a
// syntax error in a client fails here, naming the file, before any browser.
func TestTheClientsBuild(t *testing.T) {
	out := t.TempDir()
	if err := Build(filepath.Join("..", "..", "web"), out, Bundles); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"widget/widget.js", "widget/app.js", "widget/app.js.map", "shared/protocol.js", "dashboard/index.html", "dashboard/app.js"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("the build lacks %s: %v", name, err)
		}
	}
	for _, name := range []string{"widget/README.md", "package.json", "shared/conversation.test.js"} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("the build ships %s", name)
		}
	}
}

// tree writes files (path → text) under a new folder.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuild(t *testing.T) {
	page := "<!doctype html>\n<title>Confide</title>\n"
	src := tree(t, map[string]string{
		"index.html":    page,
		"a/app.js":      "export const answer = 40 + 2;\n",
		"a/entry.js":    "import { answer } from './app.js';\nexport function ask() { return answer; }\n",
		"a/style.css":   "p {\n  margin: 0px;\n}\n",
		"a/README.md":   "# for people\n",
		"a/logo.svg":    "<svg/>",
		"a/app.test.js": "import { answer } from './app.js';\n",
		"package.json":  `{"type": "module"}`,
	})
	dst := tree(t, map[string]string{"stale.js": "old();"})
	if err := Build(src, dst, []string{"a/entry.js"}); err != nil {
		t.Fatalf("Build: %v", err)
	}
	tests := []struct {
		file     string
		want     string // "" means the file must not exist
		contains bool
	}{
		{file: "index.html", want: page},
		{file: "a/logo.svg", want: "<svg/>"},
		{file: "a/app.js", want: "=42;export{", contains: true},
		{file: "a/app.js.map", want: `"sourcesContent"`, contains: true},
		{file: "a/entry.js", want: "{return 42}export{", contains: true},
		{file: "a/entry.js.map", want: `"entry.js"`, contains: true},
		{file: "a/style.css", want: "p{margin:0}", contains: true},
		{file: "a/style.css.map", want: `"sources"`, contains: true},
		{file: "a/README.md"},
		{file: "a/app.test.js"},
		{file: "a/app.test.js.map"},
		{file: "package.json"},
		{file: "stale.js"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(tt.file)))
			switch {
			case tt.want == "":
				if err == nil {
					t.Errorf("%s was written (%q), want it left out", tt.file, b)
				}
			case err != nil:
				t.Errorf("%s: %v", tt.file, err)
			case tt.contains && !strings.Contains(string(b), tt.want):
				t.Errorf("%s = %q, want it to contain %q", tt.file, b, tt.want)
			case !tt.contains && string(b) != tt.want:
				t.Errorf("%s = %q, want %q unchanged", tt.file, b, tt.want)
			}
		})
	}
}

// TestBundle: a bundle holds every module its entry imports, from any
// folder, and no import is left for the browser to fetch.
func TestBundle(t *testing.T) {
	dir := tree(t, map[string]string{
		"shared/protocol.js": "export function connect(url) { return 'to ' + url; }\n",
		"w/dom.js":           "export const h = (tag) => '<' + tag + '>';\n",
		"w/app.js":           "import { connect } from '../shared/protocol.js';\nimport { h } from './dom.js';\nexport function init() { return connect(h('p')); }\nexport const base = new URL('w.css', import.meta.url);\n",
	})
	got, err := Bundle(dir, "w/app.js")
	if err != nil {
		t.Fatalf("Bundle: %v", err)
	}
	code := string(got.Code)
	for _, want := range []string{"to ", "<", "export{", "import.meta.url", "//# sourceMappingURL=app.js.map"} {
		if !strings.Contains(code, want) {
			t.Errorf("the bundle lacks %q:\n%s", want, code)
		}
	}
	if strings.Contains(code, "import{") || strings.Contains(code, "from\"") {
		t.Errorf("the bundle still imports a module:\n%s", code)
	}
	var m sourceMap
	if err := json.Unmarshal(got.Map, &m); err != nil {
		t.Fatalf("source map: %v", err)
	}
	if len(m.Sources) != 3 || len(m.SourcesContent) != 3 {
		t.Errorf("source map sources = %q, want the three modules", m.Sources)
	}

	broken := tree(t, map[string]string{
		"w/app.js": "import { x } from './dep.js';\nexport const y = x;\n",
		"w/dep.js": "export const x = ;\n",
	})
	if _, err := Bundle(broken, "w/app.js"); err == nil || !strings.Contains(err.Error(), "w/dep.js:1:") {
		t.Errorf("Bundle error = %v, want one naming w/dep.js:1", err)
	}
}

func TestBuildRefusesABrokenScript(t *testing.T) {
	src := tree(t, map[string]string{"x/broken.js": "export function {\n"})
	err := Build(src, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "x/broken.js:1:") {
		t.Fatalf("Build error = %v, want one naming x/broken.js:1", err)
	}
}

func TestHandler(t *testing.T) {
	dir := tree(t, map[string]string{
		"index.html":    "<p>hi</p>\n",
		"w/app.js":      "export function hello(name) { return 'hi ' + name; }\n",
		"w/w.css":       "p {\n  color: red;\n}\n",
		"w/README.md":   "# notes\n",
		"w/app.test.js": "import { hello } from './app.js';\n",
		"package.json":  `{"type": "module"}`,
		"w/bad.js":      "export function {\n",
		"w/entry.js":    "import { hello } from './app.js';\nexport const greet = () => hello('you');\n",
	})
	srv := httptest.NewServer(Handler(dir, []string{"w/entry.js"}))
	defer srv.Close()
	tests := []struct {
		path     string
		status   int
		kind     string
		contains string
	}{
		{path: "/index.html", status: 200, kind: "text/html", contains: "<p>hi</p>\n"},
		{path: "/w/app.js", status: 200, kind: "text/javascript", contains: "//# sourceMappingURL=app.js.map"},
		{path: "/w/app.js.map", status: 200, kind: "application/json", contains: "return 'hi ' + name;"},
		{path: "/w/w.css", status: 200, kind: "text/css", contains: "p{color:red}"},
		{path: "/w/entry.js", status: 200, kind: "text/javascript", contains: "hi "},
		{path: "/w/entry.js.map", status: 200, kind: "application/json", contains: `"app.js"`},
		{path: "/w/README.md", status: 404},
		{path: "/w/app.test.js", status: 404},
		{path: "/w/app.test.js.map", status: 404},
		{path: "/package.json", status: 404},
		{path: "/w/missing.js", status: 404},
		{path: "/w/bad.js", status: 500, contains: "w/bad.js:1:"},
		{path: "/../index.html", status: 200, contains: "<p>hi</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s: status %d (%s), want %d", tt.path, res.StatusCode, body, tt.status)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), tt.kind) {
				t.Errorf("GET %s: Content-Type %q, want %q", tt.path, res.Header.Get("Content-Type"), tt.kind)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("GET %s = %q, want it to contain %q", tt.path, body, tt.contains)
			}
		})
	}
}

// Package webbuild turns web/ into what browsers are sent: every script and
// style sheet minified by esbuild, with a source map beside it, every other
// file as it is. The local stack serves through Handler, so tests load what
// a deployment ships, and Build writes the same files for the stack's
// static hosting (make build).
package webbuild

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/evanw/esbuild/pkg/api"
)

// Minified is one file as browsers get it.
type Minified struct {
	// Code is the minified file, ending with a link to its source map.
	Code []byte
	// Map is the source map, holding the original text.
	Map []byte
}

// module matches a line that starts an import or export statement: a file
// with one is an ES module, whose top-level names may be shortened. A
// classic script (the widget loader) keeps its strict-mode directive.
var module = regexp.MustCompile(`(?m)^(import|export)[\s{*]`)

// Minify minifies one file's source; name is its path under web/ (for
// example "widget/app.js"), which decides the loader and names the map.
func Minify(name string, src []byte) (Minified, error) {
	opts := api.TransformOptions{
		Sourcefile:        path.Base(name),
		Sourcemap:         api.SourceMapExternal,
		SourcesContent:    api.SourcesContentInclude,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsNone,
		Target:            api.ES2022,
		Charset:           api.CharsetUTF8,
	}
	marker := "//# sourceMappingURL=%s.map\n"
	switch path.Ext(name) {
	case ".js":
		opts.Loader = api.LoaderJS
		if module.Match(src) {
			opts.Format = api.FormatESModule
		}
	case ".css":
		opts.Loader = api.LoaderCSS
		marker = "/*# sourceMappingURL=%s.map */\n"
	default:
		return Minified{}, fmt.Errorf("webbuild: %s is not a script or a style sheet", name)
	}
	res := api.Transform(string(src), opts)
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		if m.Location != nil {
			return Minified{}, fmt.Errorf("webbuild: %s:%d:%d: %s", name, m.Location.Line, m.Location.Column, m.Text)
		}
		return Minified{}, fmt.Errorf("webbuild: %s: %s", name, m.Text)
	}
	code := append(bytes.TrimRight(res.Code, "\n"), '\n')
	code = fmt.Appendf(code, marker, path.Base(name))
	return Minified{Code: code, Map: res.Map}, nil
}

// minifiable reports whether a file is sent minified.
func minifiable(name string) bool {
	ext := path.Ext(name)
	return ext == ".js" || ext == ".css"
}

// shipped reports whether a file of web/ is sent to browsers at all: the
// READMEs are for people reading the repository.
func shipped(name string) bool { return path.Ext(name) != ".md" }

// Build writes web/ (src) as browsers get it into dst: scripts and style
// sheets minified, each with its .map, the rest copied. dst is emptied
// first, so nothing stale is deployed.
func Build(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return fs.WalkDir(os.DirFS(src), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !shipped(name) {
			return err
		}
		b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(name)))
		if err != nil {
			return err
		}
		out := filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if !minifiable(name) {
			return os.WriteFile(out, b, 0o644)
		}
		m, err := Minify(name, b)
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, m.Code, 0o644); err != nil {
			return err
		}
		return os.WriteFile(out+".map", m.Map, 0o644)
	})
}

// Handler serves the folder dir (web/) as Build would write it, minifying
// scripts and style sheets as they are asked for, so an edit shows on the
// next reload. A file that does not minify is a 500 naming the error: the
// page then fails loudly in development instead of running stale code.
func Handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if !shipped(name) {
			http.NotFound(w, r)
			return
		}
		source, wantMap := strings.CutSuffix(name, ".map")
		if !minifiable(source) {
			files.ServeHTTP(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(source)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		m, err := Minify(source, b)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body, kind := m.Code, "text/javascript; charset=utf-8"
		switch {
		case wantMap:
			body, kind = m.Map, "application/json"
		case path.Ext(source) == ".css":
			kind = "text/css; charset=utf-8"
		}
		w.Header().Set("Content-Type", kind)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

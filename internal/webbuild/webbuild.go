// Package webbuild turns web/ into what browsers are sent: every script and
// style sheet minified by esbuild, with a source map beside it, every other
// file as it is, and the bundles (the widget) shipped as one file holding
// every module they import. The local stack serves through Handler, so
// tests load what a deployment ships, and Build writes the same files for
// the stack's static hosting (make build).
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
	"slices"
	"strings"
	"time"

	"github.com/evanw/esbuild/pkg/api"
)

// Bundles are the entry points shipped as one file with every module they
// import: a host page loads the widget's code, and a counsellor's browser
// the dashboard's, in one request however many modules they are written in
// (the modules are shipped one by one too, for tests that import them).
var Bundles = []string{"widget/app.js", "dashboard/app.js"}

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

// options are esbuild's settings for everything browsers get: minified,
// for the browsers of the last few years, with a linked source map that
// holds the original text. outfile names the output and its map; nothing
// is written.
func options(root, outfile string) api.BuildOptions {
	return api.BuildOptions{
		AbsWorkingDir:     root,
		Outfile:           outfile,
		Write:             false,
		Sourcemap:         api.SourceMapLinked,
		SourcesContent:    api.SourcesContentInclude,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsNone,
		Target:            api.ES2022,
		Charset:           api.CharsetUTF8,
	}
}

// Minify minifies one file's source; name is its path under web/ (for
// example "widget/app.js"), which decides the loader and names the map.
func Minify(name string, src []byte) (Minified, error) {
	root, err := filepath.Abs(".")
	if err != nil {
		return Minified{}, err
	}
	opts := options(root, filepath.Join(root, path.Base(name)))
	in := &api.StdinOptions{Contents: string(src), Sourcefile: path.Base(name)}
	switch path.Ext(name) {
	case ".js":
		in.Loader = api.LoaderJS
		if module.Match(src) {
			opts.Format = api.FormatESModule
		}
	case ".css":
		in.Loader = api.LoaderCSS
	default:
		return Minified{}, fmt.Errorf("webbuild: %s is not a script or a style sheet", name)
	}
	opts.Stdin = in
	return build(name, opts)
}

// Bundle builds the entry point name (a path under dir, the web/ folder)
// into one minified ES module holding every module it imports.
func Bundle(dir, name string) (Minified, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return Minified{}, err
	}
	entry := filepath.Join(root, filepath.FromSlash(name))
	opts := options(root, entry)
	opts.EntryPoints = []string{entry}
	opts.Bundle = true
	opts.Format = api.FormatESModule
	return build(name, opts)
}

// build runs esbuild and returns its one output and the output's map.
func build(name string, opts api.BuildOptions) (Minified, error) {
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		if m.Location != nil {
			file := m.Location.File // a bundle names the module at fault
			if opts.Stdin != nil {
				file = name // one file, handed over by its base name
			}
			return Minified{}, fmt.Errorf("webbuild: %s:%d:%d: %s", file, m.Location.Line, m.Location.Column, m.Text)
		}
		return Minified{}, fmt.Errorf("webbuild: %s: %s", name, m.Text)
	}
	var out Minified
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".map") {
			out.Map = f.Contents
		} else {
			out.Code = f.Contents
		}
	}
	return out, nil
}

// ship returns a file of dir as browsers get it: bundled, minified, or as
// it is (Code only).
func ship(dir, name string, bundles []string) (Minified, error) {
	if slices.Contains(bundles, name) {
		return Bundle(dir, name)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil || !minifiable(name) {
		return Minified{Code: b}, err
	}
	return Minify(name, b)
}

// minifiable reports whether a file is sent minified.
func minifiable(name string) bool {
	ext := path.Ext(name)
	return ext == ".js" || ext == ".css"
}

// shipped reports whether a file of web/ is sent to browsers at all: the
// READMEs are for people reading the repository, and the unit tests
// (*.test.js) and the package.json that tells Node the files are modules
// are for Node's test runner.
func shipped(name string) bool {
	return path.Ext(name) != ".md" && !strings.HasSuffix(name, ".test.js") && path.Base(name) != "package.json"
}

// Build writes web/ (src) as browsers get it into dst: bundles built,
// scripts and style sheets minified, each with its .map, the rest copied.
// dst is emptied first, so nothing stale is deployed.
func Build(src, dst string, bundles []string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return fs.WalkDir(os.DirFS(src), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !shipped(name) {
			return err
		}
		m, err := ship(src, name, bundles)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, m.Code, 0o644); err != nil || m.Map == nil {
			return err
		}
		return os.WriteFile(out+".map", m.Map, 0o644)
	})
}

// Handler serves the folder dir (web/) as Build would write it, building
// bundles and minifying scripts and style sheets as they are asked for, so
// an edit shows on the next reload. A file that does not build is a 500
// naming the error: the page then fails loudly in development instead of
// running stale code.
func Handler(dir string, bundles []string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		source, wantMap := strings.CutSuffix(name, ".map")
		if !shipped(name) || !shipped(source) {
			http.NotFound(w, r)
			return
		}
		if !minifiable(source) {
			files.ServeHTTP(w, r)
			return
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(source))); err != nil {
			http.NotFound(w, r)
			return
		}
		m, err := ship(dir, source, bundles)
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

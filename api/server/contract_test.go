package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The contract: every answer the API tests get from a documented route is
// checked against docs/openapi.yaml — its status must be documented for the
// operation and its JSON body must match the schema — so the document and
// the server cannot drift apart. Both fixtures serve through validating.

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

func loadContract() (routers.Router, error) {
	contractOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile("../../docs/openapi.yaml")
		if err != nil {
			contractErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			contractErr = err
			return
		}
		// Test servers listen on random ports: match paths, not hosts.
		doc.Servers = nil
		contractRouter, contractErr = legacy.NewRouter(doc)
	})
	return contractRouter, contractErr
}

// teeWriter records what the handler writes while passing it on.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body.Len() < 8<<20 {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// validating serves h and checks each answer of a documented API route
// against the contract, failing t on a mismatch.
func validating(t testing.TB, h http.Handler) http.Handler {
	router, err := loadContract()
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		if !isAPI(r.URL.Path) || r.Method == http.MethodHead {
			return
		}
		route, params, err := router.FindRoute(r)
		if err != nil {
			return // not a documented route (a 404 or 405 of the router)
		}
		status := tw.status
		if status == 0 {
			status = http.StatusOK
		}
		body := tw.body.Bytes()
		if tw.Header().Get("Content-Encoding") == "gzip" { // the server gzips for clients that accept it
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err == nil {
				body, err = io.ReadAll(zr)
			}
			if err != nil {
				t.Errorf("contract: %s %s: gzipped body: %v", r.Method, r.URL.RequestURI(), err)
				return
			}
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
			Status:                 status,
			Header:                 tw.Header(),
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("contract: %s %s answered %d, which docs/openapi.yaml does not allow:\n%v\nbody: %.300s",
				r.Method, r.URL.RequestURI(), status, strings.ReplaceAll(err.Error(), "\n", "\n  "), body)
		}
	})
}

// The document is valid OpenAPI to kin-openapi too (the linter in the
// README is the independent check).
func TestOpenAPIDocumentIsValid(t *testing.T) {
	if _, err := loadContract(); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
}

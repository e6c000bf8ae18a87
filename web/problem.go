package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

var statusOf = map[string]int{
	bulwark.EINVALID:      http.StatusUnprocessableEntity,
	bulwark.EMALFORMED:    http.StatusBadRequest,
	bulwark.ENOTFOUND:     http.StatusNotFound,
	bulwark.ECONFLICT:     http.StatusConflict,
	bulwark.EUNAUTHORIZED: http.StatusUnauthorized,
	bulwark.EFORBIDDEN:    http.StatusForbidden,
	bulwark.ETHROTTLED:    http.StatusTooManyRequests,
	bulwark.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	bulwark.EINTERNAL:     http.StatusInternalServerError,
	"unsupported_media":   http.StatusUnsupportedMediaType,
}

// ErrorStatus maps an error to its HTTP status and logs internal errors (whose
// text is never shown).
func (s *Server) ErrorStatus(r *http.Request, err error) int {
	code := bulwark.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "request_id", RequestID(r), "path", r.URL.Path, "err", err)
	}
	return status
}

func RetryAfter(w http.ResponseWriter, err error) {
	var e *bulwark.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
}

// Problem writes err as RFC 9457 application/problem+json.
func (s *Server) Problem(w http.ResponseWriter, r *http.Request, err error) {
	status := s.ErrorStatus(r, err)
	RetryAfter(w, err)
	body := map[string]any{"type": "about:blank", "status": status, "title": http.StatusText(status), "detail": bulwark.ErrorMessage(err)}
	var e *bulwark.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		body["errors"] = e.Fields
	}
	if id := RequestID(r); id != "" {
		body["request_id"] = id
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// ProblemOrPage answers an API request with problem+json and a UI request with a page.
func (s *Server) ProblemOrPage(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.Problem(w, r, err)
		return
	}
	s.RenderError(w, r, err)
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads a JSON object body into a map of raw fields, rejecting other
// media types (415), bodies over the limit (413) and malformed JSON (400).
func (s *Server) DecodeJSON(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
		return nil, &bulwark.Error{Code: "unsupported_media", Message: "Send the body as application/json or application/merge-patch+json."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, bulwark.Errorf(bulwark.ETOOLARGE, "The body is larger than %d bytes.", mbe.Limit)
		}
		return nil, bulwark.Errorf(bulwark.EMALFORMED, "The body could not be read.")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, bulwark.Errorf(bulwark.EMALFORMED, "The body is not a JSON object.")
	}
	return fields, nil
}

// FieldReader takes typed values out of a decoded body and remembers which
// fields were unknown or of the wrong type, so one 422 names them all.
type FieldReader struct {
	fields map[string]json.RawMessage
	v      bulwark.Validation
	used   map[string]bool
}

// NewFieldReader reads the fields of a decoded JSON object.
func NewFieldReader(f map[string]json.RawMessage) *FieldReader {
	return &FieldReader{fields: f, used: map[string]bool{}}
}

// Invalid records that field is invalid; Err returns it with the others.
func (fr *FieldReader) Invalid(field, message string) { fr.v.Add(field, message) }

// MarkUsed marks field as read elsewhere (a version read from If-Match), so it is not reported unknown.
func (fr *FieldReader) MarkUsed(field string) { fr.used[field] = true }

// Has reports whether field was sent (possibly as null).
func (fr *FieldReader) Has(field string) bool { _, ok := fr.fields[field]; return ok }

// IsNull reports whether field was sent as null.
func (fr *FieldReader) IsNull(field string) bool { return string(fr.fields[field]) == "null" }

// Get unmarshals field into dst when present; it reports presence.
func (fr *FieldReader) Get(field string, dst any) bool {
	raw, ok := fr.fields[field]
	fr.used[field] = true
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		fr.v.Add(field, fmt.Sprintf("has the wrong type (%T expected)", dst))
		return false
	}
	return true
}

// ReadOnly marks fields that may be sent back unchanged but are ignored.
func (fr *FieldReader) ReadOnly(fields ...string) {
	for _, f := range fields {
		if fr.Has(f) {
			fr.v.Add(f, "is read-only")
		}
		fr.used[f] = true
	}
}

// Err reports unknown fields and type errors.
func (fr *FieldReader) Err() error {
	for f := range fr.fields {
		if !fr.used[f] {
			fr.v.Add(f, "is not a known field")
		}
	}
	return fr.v.Err()
}

// Str reads an optional string field; null clears it to "" unless required.
func (fr *FieldReader) Str(field string, required bool) *string {
	if !fr.Has(field) {
		fr.used[field] = true
		return nil
	}
	if fr.IsNull(field) {
		fr.used[field] = true
		if required {
			fr.v.Add(field, "cannot be empty")
			return nil
		}
		empty := ""
		return &empty
	}
	var s string
	if fr.Get(field, &s) {
		return &s
	}
	return nil
}

// NullableStr reads a field that may be null (nil inside means "clear").
func (fr *FieldReader) NullableStr(field string) **string {
	if !fr.Has(field) {
		fr.used[field] = true
		return nil
	}
	var v *string
	if fr.IsNull(field) {
		fr.used[field] = true
		return &v
	}
	var s string
	if fr.Get(field, &s) {
		if s == "" {
			return &v
		}
		v = &s
		return &v
	}
	return nil
}

// NullableInt reads an integer field that may be null.
func (fr *FieldReader) NullableInt(field string) **int {
	if !fr.Has(field) {
		fr.used[field] = true
		return nil
	}
	var v *int
	if fr.IsNull(field) {
		fr.used[field] = true
		return &v
	}
	var n int
	if fr.Get(field, &n) {
		v = &n
		return &v
	}
	return nil
}

// Bool reads an optional boolean field.
func (fr *FieldReader) Bool(field string) *bool {
	var b bool
	if fr.Get(field, &b) {
		return &b
	}
	return nil
}

// Strings reads an optional array of strings; null means empty.
func (fr *FieldReader) Strings(field string) *[]string {
	if fr.Has(field) && fr.IsNull(field) {
		fr.used[field] = true
		return &[]string{}
	}
	var v []string
	if fr.Get(field, &v) {
		if v == nil {
			v = []string{}
		}
		return &v
	}
	return nil
}

// Version reads the optimistic-lock version from If-Match or the body.
func (fr *FieldReader) Version(r *http.Request) (*int, error) {
	expect, err := IfMatch(r)
	if err != nil {
		return nil, err
	}
	var v int
	if fr.Get("version", &v) && expect == nil {
		expect = &v
	}
	return expect, nil
}

// Decode reads a JSON body declared by entity e: a create (POST) must hold the
// required fields; a change (PATCH) may name the version it changes, in the body
// or in If-Match, which expect returns (nil: apply whatever the version). An
// unknown or read-only field is a 422 naming it, on create as on change.
func (s *Server) Decode(w http.ResponseWriter, r *http.Request, e *field.Entity) (vals field.Values, expect *int, err error) {
	raw, err := s.DecodeJSON(w, r)
	if err != nil {
		return vals, nil, err
	}
	create := r.Method == http.MethodPost
	if vals, err = e.DecodeJSON(raw, create); err != nil {
		return vals, nil, err
	}
	if create {
		return vals, nil, nil
	}
	if expect, err = IfMatch(r); err != nil || expect != nil {
		return vals, expect, err
	}
	return vals, vals.Int("version"), nil
}

package web

import (
	"encoding/json"
	"errors"
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
	codeBusy:              http.StatusServiceUnavailable,
}

// codeBusy is the error code of a request turned away because the server is at
// capacity for its kind of work (503, with Retry-After).
const codeBusy = "busy"

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

// DecodeCreate reads a JSON body that must hold e's required fields, whatever
// the method (a PUT that creates a new version).
func (s *Server) DecodeCreate(w http.ResponseWriter, r *http.Request, e *field.Entity) (field.Values, error) {
	raw, err := s.DecodeJSON(w, r)
	if err != nil {
		return field.Values{}, err
	}
	return e.DecodeJSON(raw, true)
}

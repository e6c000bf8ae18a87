// Package bulwark is the vocabulary of the Bulwark ISMS: organisations, members,
// roles and permissions, the audit trail, and the rules that derive values from them.
// It knows nothing of HTTP or SQL; storage, the web server and the CLI are adapters
// in their own packages (see README, "Architecture").
package bulwark

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP adapter maps each to a status; anything without a code is
// an internal error whose text is logged and never shown.
const (
	EINVALID      = "invalid"      // input fails validation (422)
	EMALFORMED    = "malformed"    // request cannot be parsed (400)
	ENOTFOUND     = "not_found"    // absent, or belongs to another organisation (404)
	ECONFLICT     = "conflict"     // stale version or conflicting state (409)
	EUNAUTHORIZED = "unauthorized" // not signed in (401)
	EFORBIDDEN    = "forbidden"    // the role does not allow it (403)
	ETHROTTLED    = "throttled"    // too many attempts (429)
	ETOOLARGE     = "too_large"    // body too large (413)
	EINTERNAL     = "internal"     // a bug or an unavailable dependency (500)
)

// FieldError names one invalid input field and says why, in words meant for the user.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error meant to be shown: Code classifies it, Message says it in one
// sentence for the user, Fields lists invalid fields.
type Error struct {
	Code       string
	Message    string
	Fields     []FieldError
	RetryAfter int // seconds, for ETHROTTLED
}

func (e *Error) Error() string {
	return fmt.Sprintf("bulwark error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Message: "The input is not valid.", Fields: []FieldError{{field, message}}}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err, or "Internal error." when
// err carries no code: raw error text never reaches a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// FieldErrors returns the field errors of the first *Error in err's chain, or nil.
func FieldErrors(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field errors and returns them as one EINVALID error.
type Validation struct{ fields []FieldError }

// Add records that field is invalid.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{field, message})
}

// Has reports whether field was already found invalid.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was added, else an EINVALID *Error with every field.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "The input is not valid.", Fields: v.fields}
}

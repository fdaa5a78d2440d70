package api

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status.
const (
	EInvalid      = "invalid"      // the caller sent something wrong (400)
	ENotFound     = "not_found"    // no such thing, or not the caller's (404)
	EConflict     = "conflict"     // it exists already (409)
	EUnauthorized = "unauthorized" // no or bad credentials (401)
	EForbidden    = "forbidden"    // known caller, not allowed (403)
	ETooLarge     = "too_large"    // body over the limit (413)
	ERateLimited  = "rate_limited" // too many attempts; Retry-After says when (429)
	EInternal     = "internal"     // our fault; logged, shown plainly (500)
)

// Error is an error a user may see. Field names the input at fault, when one is.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("pantau %s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("pantau %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an invalid-input *Error naming field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error inside err, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message inside err; internal errors
// get a plain sentence, never their details.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field named by the *Error inside err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

package api

import (
	"strings"
	"time"
)

// APIToken is a script's credential: a role and scope as a user has, sent
// as `Authorization: Bearer` (migrations/00012_api_tokens.sql).
type APIToken struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	OfficeCode   string     `json:"office_code,omitempty"`
	ProvinceCode string     `json:"province_code,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// User is the token as the scope rules see a caller: its role and scope,
// no user id (writes it makes record no person), named after the token.
func (t APIToken) User() User {
	return User{Email: "token:" + t.Name, Name: t.Name, Role: t.Role, OfficeCode: t.OfficeCode,
		ProvinceCode: t.ProvinceCode, CreatedAt: t.CreatedAt}
}

// NewAPIToken is what CreateAPIToken needs.
type NewAPIToken struct {
	Name, Role               string
	OfficeCode, ProvinceCode string
	// CreatedBy says who made it (an admin's email, or "cli").
	CreatedBy string
}

// MaxTokenName bounds a token's name (the column's check says the same).
const MaxTokenName = 100

// Validate names the first bad field of t; role and scope follow the
// users' rule.
func (t NewAPIToken) Validate() error {
	if err := CheckLine("name", t.Name, MaxTokenName); err != nil {
		return err
	}
	if strings.TrimSpace(t.Name) == "" {
		return FieldErrorf("name", "want a name of 1 to %d characters, e.g. sensus-harian", MaxTokenName)
	}
	return ValidateScope(t.Role, t.OfficeCode, t.ProvinceCode)
}

package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/catchment/catchment/store"
	"github.com/go-json-experiment/json/jsontext"
)

// Role is what a token may do.
type Role string

// The roles of the tokens file.
const (
	RoleOffice  Role = "office"  // the admissions office: everything
	RoleWard    Role = "ward"    // a ward official: preview, approve and look up in their own ward
	RoleAuditor Role = "auditor" // read, explain and replay; no changes
)

// Principal is an authenticated caller.
type Principal struct {
	Role    Role
	Ward    string // the ward code of a RoleWard principal
	Subject string // the token's label: the first 8 hex digits of its SHA-256
}

// String returns the role as the tokens file and the audit log spell it:
// "office", "auditor" or "ward:<code>".
func (p Principal) String() string {
	if p.Role == RoleWard {
		return "ward:" + p.Ward
	}
	return string(p.Role)
}

// actor returns the principal as the store's audit log records it.
func (p Principal) actor() store.Actor { return store.Actor{Role: p.String(), Subject: p.Subject} }

// MinTokenLength is the shortest token the tokens file may list, in bytes.
const MinTokenLength = 16

// Tokens maps bearer tokens to principals. Tokens are held only as their
// SHA-256, so a lookup's timing says nothing about the tokens.
type Tokens struct {
	byHash map[[32]byte]Principal
}

// ParseTokens reads a tokens file: a JSON object mapping each bearer token
// to "office", "auditor" or "ward:<code>". It fails, naming the token's
// label (never the token), on an unknown role, an empty ward code, a
// token shorter than MinTokenLength, a token listed twice, or two tokens
// with the same label (the audit log could not tell them apart).
func ParseTokens(data []byte) (*Tokens, error) {
	raw, err := decodeTokens(data)
	if err != nil {
		return nil, fmt.Errorf("server: tokens: %w", err)
	}
	t := &Tokens{byHash: make(map[[32]byte]Principal, len(raw))}
	labels := map[string]bool{}
	for _, e := range raw {
		p, err := parseRole(e.role)
		if err != nil {
			return nil, fmt.Errorf("server: tokens: token %s: %w", Label(e.token), err)
		}
		if len(e.token) < MinTokenLength {
			return nil, fmt.Errorf("server: tokens: token %s is shorter than %d bytes", Label(e.token), MinTokenLength)
		}
		p.Subject = Label(e.token)
		if labels[p.Subject] {
			return nil, fmt.Errorf("server: tokens: two tokens have the label %s (the first 8 hex digits of their SHA-256): replace one", p.Subject)
		}
		labels[p.Subject] = true
		t.byHash[sha256.Sum256([]byte(e.token))] = p
	}
	return t, nil
}

// tokenEntry is one member of a tokens file.
type tokenEntry struct{ token, role string }

// decodeTokens reads a JSON object of string members in file order,
// refusing a name given twice. Its errors name no token.
func decodeTokens(data []byte) ([]tokenEntry, error) {
	want := errors.New("want a JSON object of token -> role")
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, want
	}
	var out []tokenEntry
	seen := map[string]bool{}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, fmt.Errorf("%w: at byte %d", want, dec.InputOffset())
		}
		token := name.String()
		role, err := dec.ReadToken()
		if err != nil || role.Kind() != '"' {
			return nil, fmt.Errorf("%w: token %s: the role must be a string", want, Label(token))
		}
		if seen[token] {
			return nil, fmt.Errorf("token %s is listed twice", Label(token))
		}
		seen[token] = true
		out = append(out, tokenEntry{token, role.String()})
	}
	if _, err := dec.ReadToken(); err != nil { // the closing brace
		return nil, want
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the object", want)
	}
	return out, nil
}

func parseRole(s string) (Principal, error) {
	switch {
	case s == string(RoleOffice):
		return Principal{Role: RoleOffice}, nil
	case s == string(RoleAuditor):
		return Principal{Role: RoleAuditor}, nil
	case strings.HasPrefix(s, "ward:") && len(s) > len("ward:"):
		return Principal{Role: RoleWard, Ward: strings.TrimPrefix(s, "ward:")}, nil
	}
	return Principal{}, fmt.Errorf("unknown role %q (want office, auditor or ward:<code>)", s)
}

// LoadTokens reads and parses a tokens file.
func LoadTokens(path string) (*Tokens, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server: tokens: %w", err)
	}
	return ParseTokens(data)
}

// Len returns how many tokens are listed.
func (t *Tokens) Len() int { return len(t.byHash) }

// Authenticate returns the principal of a token, or false.
func (t *Tokens) Authenticate(token string) (Principal, bool) {
	if token == "" {
		return Principal{}, false
	}
	p, ok := t.byHash[sha256.Sum256([]byte(token))]
	return p, ok
}

// Label returns the non-secret label of a token that logs and the audit
// log use: the first 8 hex digits of its SHA-256.
func Label(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:4])
}

// bearer extracts the token of an "Authorization: Bearer TOKEN" value.
func bearer(header string) string {
	const prefix = "bearer "
	if len(header) > len(prefix) && strings.EqualFold(header[:len(prefix)], prefix) {
		return strings.TrimSpace(header[len(prefix):])
	}
	return ""
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalOf returns the caller the interceptors authenticated.
func principalOf(ctx context.Context) (Principal, error) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	return p, nil
}

// requireWard fails with ErrForbidden unless the caller may act on the
// ward: the office and auditors on any, a ward official on their own.
func requireWard(ctx context.Context, code string) error {
	p, err := principalOf(ctx)
	if err != nil {
		return err
	}
	if p.Role == RoleWard && p.Ward != code {
		return fmt.Errorf("%w: a ward:%s token may not act on ward %q", ErrForbidden, p.Ward, code)
	}
	return nil
}

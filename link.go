package bulwark

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LinkClaims is what a personal signed link carries: what it is for, the
// organisation whose key signs it, the thing it reaches (an acknowledgement
// request, a training assignment), the person, and when it stops working.
// People without an account use such links to acknowledge a policy or take a
// training; each reaches its own form only.
type LinkClaims struct {
	Purpose  string // "ack", "training"
	OrgID    string
	Subject  string
	PersonID string
	Expires  time.Time
}

// SignLink writes claims as a URL-safe token signed with key (HMAC-SHA256).
func SignLink(key []byte, c LinkClaims) string {
	payload := strings.Join([]string{c.Purpose, c.OrgID, c.Subject, c.PersonID, strconv.FormatInt(c.Expires.Unix(), 10)}, "|")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// LinkOrg reads the organisation a token names, before its signature can be
// checked with that organisation's key. The claims are not trusted yet.
func LinkOrg(token string) (string, error) {
	c, _, _, err := parseLink(token)
	return c.OrgID, err
}

// VerifyLink checks token's signature with key and its expiry at now, for purpose.
// An altered or foreign token is ENOTFOUND; an expired one EFORBIDDEN, saying so.
func VerifyLink(key []byte, token, purpose string, now time.Time) (LinkClaims, error) {
	c, payload, sig, err := parseLink(token)
	if err != nil {
		return LinkClaims{}, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	if len(key) == 0 || !hmac.Equal(sig, mac.Sum(nil)) || c.Purpose != purpose {
		return LinkClaims{}, Errorf(ENOTFOUND, "This link is not valid. Ask for a new one.")
	}
	if !now.Before(c.Expires) {
		return LinkClaims{}, Errorf(EFORBIDDEN, "This link expired on %s. Ask the person who sent it for a new one.", c.Expires.UTC().Format("2006-01-02"))
	}
	return c, nil
}

func parseLink(token string) (LinkClaims, string, []byte, error) {
	bad := Errorf(ENOTFOUND, "This link is not valid. Ask for a new one.")
	p64, s64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1000 {
		return LinkClaims{}, "", nil, bad
	}
	payload, err := base64.RawURLEncoding.DecodeString(p64)
	if err != nil {
		return LinkClaims{}, "", nil, bad
	}
	sig, err := base64.RawURLEncoding.DecodeString(s64)
	if err != nil {
		return LinkClaims{}, "", nil, bad
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 5 {
		return LinkClaims{}, "", nil, bad
	}
	exp, err := strconv.ParseInt(parts[4], 10, 64)
	if err != nil {
		return LinkClaims{}, "", nil, bad
	}
	return LinkClaims{Purpose: parts[0], OrgID: parts[1], Subject: parts[2], PersonID: parts[3], Expires: time.Unix(exp, 0).UTC()}, string(payload), sig, nil
}

// String is the claims for logs, without a signature.
func (c LinkClaims) String() string {
	return fmt.Sprintf("%s link of %s for %s until %s", c.Purpose, c.OrgID, c.PersonID, c.Expires.Format(time.RFC3339))
}

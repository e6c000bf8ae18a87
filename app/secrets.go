package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/bulwark-isms/bulwark"
)

// sealPrefix marks a sealed value and its scheme, so a later scheme can be told apart.
const sealPrefix = "v1:"

// sealKey derives the key that seals stored secrets from the instance's secret
// key (HKDF-SHA256), so the file's key never encrypts anything directly.
func (s *Service) sealKey() ([]byte, error) {
	if len(s.cfg.SecretKey) < 32 {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "This instance has no secret key to encrypt stored secrets with (--secret-key-file).")
	}
	return hkdf.Key(sha256.New, s.cfg.SecretKey, nil, "bulwark stored secrets v1", 32)
}

// Seal encrypts a secret to store (AES-256-GCM; the organisation's id is bound
// as additional data, so a sealed value copied to another organisation's row
// does not open there).
func (s *Service) Seal(orgID string, plaintext []byte) (string, error) {
	key, err := s.sealKey()
	if err != nil {
		return "", err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return sealPrefix + base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, plaintext, []byte(orgID))), nil
}

// Unseal decrypts what Seal sealed for orgID.
func (s *Service) Unseal(orgID, sealed string) ([]byte, error) {
	key, err := s.sealKey()
	if err != nil {
		return nil, err
	}
	if len(sealed) < len(sealPrefix) || sealed[:len(sealPrefix)] != sealPrefix {
		return nil, errors.New("unseal: not a sealed value")
	}
	raw, err := base64.StdEncoding.DecodeString(sealed[len(sealPrefix):])
	if err != nil {
		return nil, fmt.Errorf("unseal: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(raw) < gcm.NonceSize() {
		return nil, errors.New("unseal: too short")
	}
	out, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], []byte(orgID))
	if err != nil {
		return nil, fmt.Errorf("unseal: the secret key does not open it (was --secret-key-file changed?): %w", err)
	}
	return out, nil
}

package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestImportSlotTurnsAwayWhenBusy fills the import slots: the next import waits
// ImportWait, then gets 503 with Retry-After, and a freed slot is taken again.
func TestImportSlotTurnsAwayWhenBusy(t *testing.T) {
	s := &Server{cfg: Config{ImportWait: 20 * time.Millisecond}, importSlots: make(chan struct{}, 1)}
	release, err := s.importSlot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.importSlot(context.Background())
	if err == nil || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("a full server took the import: %v after %v", err, time.Since(start))
	}
	if got := statusOf[codeBusy]; got != http.StatusServiceUnavailable {
		t.Errorf("busy maps to %d", got)
	}
	rec := httptest.NewRecorder()
	RetryAfter(rec, err)
	if rec.Header().Get("Retry-After") != "5" {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	release()
	again, err := s.importSlot(context.Background())
	if err != nil {
		t.Fatalf("a freed slot was not taken: %v", err)
	}
	again()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hold, _ := s.importSlot(context.Background())
	if _, err := s.importSlot(ctx); err == nil {
		t.Error("a cancelled request waited for a slot")
	}
	hold()
}

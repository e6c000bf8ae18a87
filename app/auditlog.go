package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// AuditPage is one page of audit entries with the chain head an auditor notes.
type AuditPage struct {
	Entries []*bulwark.AuditEntry
	Head    bulwark.ChainHead
	Next    int64 // seq to continue before; 0 when this is the last page
}

// AuditLog lists the organisation's audit entries matching f, newest first.
func (s *Service) AuditLog(ctx context.Context, p *bulwark.Principal, f bulwark.AuditFilter) (*AuditPage, error) {
	if err := Require(p, bulwark.PermAuditLogRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	page := &AuditPage{}
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		want := f
		want.Limit = f.Limit + 1
		if page.Entries, err = tx.AuditEntries(ctx, p.Org.ID, want); err != nil {
			return err
		}
		page.Head, err = tx.AuditHead(ctx, p.Org.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(page.Entries) > f.Limit {
		page.Entries = page.Entries[:f.Limit]
		page.Next = page.Entries[f.Limit-1].Seq
	}
	return page, nil
}

// AuditHead returns the head of the organisation's chain.
func (s *Service) AuditHead(ctx context.Context, p *bulwark.Principal) (bulwark.ChainHead, error) {
	if err := Require(p, bulwark.PermAuditLogRead); err != nil {
		return bulwark.ChainHead{}, err
	}
	var h bulwark.ChainHead
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		h, err = tx.AuditHead(ctx, p.Org.ID)
		return err
	})
	return h, err
}

// ChainBreak says where a chain stops being trustworthy.
type ChainBreak struct {
	Seq    int64
	Reason string
}

func (b *ChainBreak) Error() string { return fmt.Sprintf("entry %d: %s", b.Seq, b.Reason) }

// VerifyChain recomputes the chain of orgID (InstanceChain for the instance) from
// its first entry and returns the first break, or nil with the number of entries
// when every sequence number, link and hash holds and the head matches. It streams.
func (s *Service) VerifyChain(ctx context.Context, orgID string) (int64, *ChainBreak, error) {
	return s.VerifyChainProgress(ctx, orgID, nil)
}

// VerifyChainProgress is VerifyChain calling progress every 10,000 entries.
//
// With a checkpoint key (Config.CheckpointKey), the chain must also run through
// every signed checkpoint: each one due (every CheckpointEvery entries) must exist,
// carry a good signature and name the hash the entry has. A database writer can
// recompute every hash and the head, but not sign, so a rewritten chain fails here;
// deleting the checkpoints does not help, since a missing due one is a break too.
func (s *Service) VerifyChainProgress(ctx context.Context, orgID string, progress func(checked int64)) (int64, *ChainBreak, error) {
	var n int64
	var brk *ChainBreak
	signer := s.DB.Checkpoints
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		head, err := tx.AuditHead(ctx, orgID)
		if err != nil {
			return err
		}
		checkpoints := map[int64]bulwark.Checkpoint{}
		var lastCheckpoint int64
		if signer != nil {
			cs, err := tx.AuditCheckpoints(ctx, orgID)
			if err != nil {
				return err
			}
			for _, c := range cs {
				checkpoints[c.Seq] = c
				lastCheckpoint = max(lastCheckpoint, c.Seq)
			}
		}
		pub, _ := signer.PublicKey()
		var passed int64 // the last checkpoint the chain ran through
		prev := bulwark.GenesisHash
		stop := fmt.Errorf("stop")
		err = tx.EachAuditEntry(ctx, orgID, func(e *bulwark.AuditEntry) error {
			n++
			if progress != nil && n%10000 == 0 {
				progress(n)
			}
			switch {
			case e.Seq != n:
				brk = &ChainBreak{n, fmt.Sprintf("missing or out of order (found sequence %d where %d was expected)", e.Seq, n)}
			case e.PrevHash != prev:
				brk = &ChainBreak{e.Seq, "its previous-hash does not match the entry before it"}
			case e.ComputeHash() != e.Hash:
				brk = &ChainBreak{e.Seq, "its content does not match its hash (the entry was altered)"}
			}
			if brk == nil && signer != nil {
				c, ok := checkpoints[e.Seq]
				switch {
				case !ok && signer.Due(e.Seq):
					brk = &ChainBreak{e.Seq, "the signed checkpoint due at this entry is missing (checkpoints were deleted)"}
				case ok && !c.Verify(pub):
					brk = &ChainBreak{e.Seq, "the signature of the checkpoint at this entry does not verify with this instance's key"}
				case ok && c.Hash != e.Hash:
					brk = &ChainBreak{e.Seq, fmt.Sprintf("the chain no longer runs through the signed checkpoint at this entry: an entry from %d to %d was changed and the hashes after it recomputed", passed+1, e.Seq)}
				case ok:
					passed = e.Seq
				}
			}
			if brk != nil {
				return stop
			}
			prev = e.Hash
			return nil
		})
		if brk != nil {
			return nil
		}
		var unreadable *sqlstore.UnreadableEntryError
		if errors.As(err, &unreadable) {
			brk = &ChainBreak{unreadable.Seq, "it cannot be read: " + unreadable.Err.Error()}
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case lastCheckpoint > n:
			brk = &ChainBreak{n + 1, fmt.Sprintf("missing: a signed checkpoint vouches for entry %d, the chain ends at %d (entries were deleted)", lastCheckpoint, n)}
		case head.Seq != n:
			brk = &ChainBreak{n + 1, fmt.Sprintf("missing: the chain head says %d entries, %d are stored", head.Seq, n)}
		case head.Hash != prev:
			brk = &ChainBreak{n, "the chain head's hash does not match the last entry"}
		}
		return nil
	})
	return n, brk, err
}

// ExportFormats are the audit-log export formats.
var ExportFormats = []string{"csv", "json"}

// ExportAuditLog writes the whole chain to w as CSV or JSON, oldest first, streaming.
// The export is itself audited first, so the last exported entry is the chain head
// at the time of export; the JSON form also names the head explicitly.
func (s *Service) ExportAuditLog(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) (bulwark.ChainHead, error) {
	head, err := s.PrepareAuditExport(ctx, p, format)
	if err != nil {
		return head, err
	}
	return head, s.StreamAuditExport(ctx, p, format, head, w)
}

// PrepareAuditExport checks and audits an export and returns the head it will end at;
// a caller that must answer errors before writing (HTTP) calls it first.
func (s *Service) PrepareAuditExport(ctx context.Context, p *bulwark.Principal, format string) (bulwark.ChainHead, error) {
	if err := Require(p, bulwark.PermAuditLogRead); err != nil {
		return bulwark.ChainHead{}, err
	}
	if format != "csv" && format != "json" {
		return bulwark.ChainHead{}, bulwark.Invalid("format", "must be csv or json")
	}
	var head bulwark.ChainHead
	if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := Audit(ctx, tx, p.Org.ID, MetaOf(p), "audit_log.export", "audit_log", p.Org.ID, p.Org.Slug, bulwark.Changes{"format": bulwark.Added(format)}); err != nil {
			return err
		}
		var err error
		head, err = tx.AuditHead(ctx, p.Org.ID)
		return err
	}); err != nil {
		return head, err
	}
	return head, nil
}

// StreamAuditExport writes the chain up to head to w, oldest first.
func (s *Service) StreamAuditExport(ctx context.Context, p *bulwark.Principal, format string, head bulwark.ChainHead, w io.Writer) error {
	if err := Require(p, bulwark.PermAuditLogRead); err != nil {
		return err
	}
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		if format == "csv" {
			cw := csv.NewWriter(w)
			_ = cw.Write([]string{"seq", "at", "actor_id", "ip", "request_id", "action", "entity_type", "entity_id", "entity_ref", "changes", "prev_hash", "hash"})
			err := tx.EachAuditEntry(ctx, p.Org.ID, func(e *bulwark.AuditEntry) error {
				if e.Seq > head.Seq {
					return nil
				}
				rec := []string{strconv.FormatInt(e.Seq, 10), e.At.Format(bulwark.AuditTimeLayout), e.ActorID, e.IP, e.RequestID,
					e.Action, e.EntityType, e.EntityID, e.EntityRef, string(e.Changes), e.PrevHash, e.Hash}
				for i := range rec {
					rec[i] = NeutraliseCell(rec[i])
				}
				return cw.Write(rec)
			})
			cw.Flush()
			if err != nil {
				return err
			}
			return cw.Error()
		}
		enc := json.NewEncoder(w)
		hb, _ := json.Marshal(head)
		ob, _ := json.Marshal(map[string]string{"id": p.Org.ID, "slug": p.Org.Slug, "name": p.Org.Name})
		if _, err := fmt.Fprintf(w, "{\"organisation\":%s,\"head\":%s,\"entries\":[\n", ob, hb); err != nil {
			return err
		}
		first := true
		err := tx.EachAuditEntry(ctx, p.Org.ID, func(e *bulwark.AuditEntry) error {
			if e.Seq > head.Seq {
				return nil
			}
			if !first {
				if _, err := io.WriteString(w, ","); err != nil {
					return err
				}
			}
			first = false
			return enc.Encode(e)
		})
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, "]}\n")
		return err
	})
}

// NeutraliseCell defuses a spreadsheet cell that a spreadsheet program would run as
// a formula (leading =, +, -, @, tab or carriage return) by prefixing an apostrophe.
func NeutraliseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Dashboard holds the counts the dashboard shows.
type Dashboard struct {
	Members            int
	PendingInvitations int
	ActiveTokens       int
	AuditEntries       int64
	Head               bulwark.ChainHead
}

// Dashboard counts what exists in the organisation.
func (s *Service) Dashboard(ctx context.Context, p *bulwark.Principal) (*Dashboard, error) {
	if err := Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	d := &Dashboard{}
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		ms, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Active(tx.Now()) {
				d.Members++
			}
		}
		invs, err := tx.Invitations(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, i := range invs {
			if i.Status(tx.Now()) == "pending" {
				d.PendingInvitations++
			}
		}
		toks, err := tx.Tokens(ctx, p.Org.ID, "")
		if err != nil {
			return err
		}
		for _, t := range toks {
			if t.RevokedAt == nil {
				d.ActiveTokens++
			}
		}
		if d.AuditEntries, err = tx.CountAuditEntries(ctx, p.Org.ID); err != nil {
			return err
		}
		d.Head, err = tx.AuditHead(ctx, p.Org.ID)
		return err
	})
	return d, err
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-isms/bulwark/collect"
)

func agentCmd(e *env) *cobra.Command {
	var server, token, root string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "agent --server URL --token T [--root DIR] [--interval D]",
		Short: "Read this Linux host's security settings and send them to Bulwark",
		Long: `Read the security settings of the Linux system under --root (default /): the SSH server's
settings, password ageing (login.defs), the firewall, automatic updates, time synchronisation,
disk encryption, listening services and accounts with empty passwords. Send them to Bulwark, where
the host's checks judge them. Nothing else leaves the host; the agent never changes it.

The token is an agent token bound to this host's collector (create the collector in Monitoring,
then "Issue the agent token", or: bulwark token create --email EMAIL --scope agent --collector COL-001).
It can post this host's facts and do nothing else.

Without --interval the agent runs once (for cron or a systemd timer); with it, it runs until stopped:
  bulwark agent --server https://isms.example.com --token "$TOKEN" --interval 1h
Run it as root to read /etc/shadow; without, empty-password accounts are reported as unknown.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := url.Parse(server)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return usagef("--server must be Bulwark's address, such as https://isms.example.com")
			}
			if !strings.HasPrefix(token, "bwk_") {
				return usagef("--token must be an agent token (bwk_…)")
			}
			if interval != 0 && interval < time.Minute {
				return usagef("--interval must be at least 1m")
			}
			ctx := cmd.Context()
			client := &http.Client{Timeout: time.Minute}
			for {
				err := postFacts(ctx, client, strings.TrimRight(server, "/"), token, root, e.stdout)
				if interval == 0 {
					return err
				}
				if err != nil {
					fmt.Fprintf(e.stderr, "%s: %v (retrying in %s)\n", time.Now().UTC().Format(time.RFC3339), err, interval)
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "Bulwark's address (required)")
	cmd.Flags().StringVar(&token, "token", e.getenv("BULWARK_AGENT_TOKEN"), "the host collector's agent token (or BULWARK_AGENT_TOKEN)")
	cmd.Flags().StringVar(&root, "root", "/", "the root of the system to read (a mounted image, a container's root)")
	cmd.Flags().DurationVar(&interval, "interval", 0, "run every D (such as 1h) instead of once")
	_ = cmd.MarkFlagRequired("server")
	return cmd
}

// postFacts collects the host's facts and sends them; it prints what the checks found.
func postFacts(ctx context.Context, client *http.Client, server, token, root string, out io.Writer) error {
	rs, err := collect.Host(root)
	if err != nil {
		return fmt.Errorf("cannot read the host under %s: %w", root, err)
	}
	body, err := json.Marshal(map[string]any{"resources": rs})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/api/v1/agent/facts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Bulwark at %s: %w", server, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusOK {
		var p struct{ Title, Detail string }
		_ = json.Unmarshal(b, &p)
		return fmt.Errorf("Bulwark refused the facts (%d %s): %s", res.StatusCode, p.Title, p.Detail)
	}
	var runs struct {
		Items []struct {
			Status                 string
			Passed, Failed, Errors int
		} `json:"items"`
	}
	_ = json.Unmarshal(b, &runs)
	passed, failed := 0, 0
	for _, r := range runs.Items {
		if r.Status == "pass" {
			passed++
		} else {
			failed++
		}
	}
	fmt.Fprintf(out, "%s: sent %d resources; %d checks ran: %d passing, %d failing or in error\n", time.Now().UTC().Format(time.RFC3339), len(rs), len(runs.Items), passed, failed)
	return nil
}

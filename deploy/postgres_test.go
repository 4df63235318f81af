package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets/pgstore/pgtest"
)

// pgOnlyMetrics are the dashboard's metrics that only a PostgreSQL store
// registers, so the bbolt run of TestDashboardMetricsExist cannot see them.
// TestPostgresMetrics checks them against tickets/pgstore and, with
// TRIAGEBOT_TEST_POSTGRES, against the binary running on PostgreSQL.
var pgOnlyMetrics = map[string]bool{
	"triagebot_pg_pool_acquired_conns":             true,
	"triagebot_pg_pool_idle_conns":                 true,
	"triagebot_pg_pool_max_conns":                  true,
	"triagebot_pg_pool_acquires_total":             true,
	"triagebot_pg_pool_empty_acquires_total":       true,
	"triagebot_pg_pool_acquire_wait_seconds_total": true,
	"triagebot_pg_notify_lag_seconds_bucket":       true,
	"triagebot_pg_listener_reconnects_total":       true,
	"triagebot_pg_hints_dropped_total":             true,
	"triagebot_pg_group_commit_calls_sum":          true,
	"triagebot_pg_group_commit_calls_count":        true,
	"triagebot_pg_outbox_tail_total":               true,
}

var metricLiteral = regexp.MustCompile(`^triagebot_[a-z0-9_]+$`)

// pgstoreMetricNames lists the metric names written in tickets/pgstore's
// source (its Desc and Opts names).
func pgstoreMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "tickets", "pgstore", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tickets/pgstore sources (%v): the dashboard plots its metrics", err)
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && metricLiteral.MatchString(s) {
					names[s] = true
				}
			}
			return true
		})
	}
	return names
}

// sampleOf says whether sample is one of family's samples.
func sampleOf(sample, family string) bool {
	if sample == family {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if sample == family+suffix {
			return true
		}
	}
	return false
}

func TestPostgresMetrics(t *testing.T) {
	inDashboard := map[string]bool{}
	for _, exprs := range dashboardExprs(t, "grafana/triagebot.json") {
		for _, e := range exprs {
			for _, n := range metricNames(e) {
				inDashboard[n] = true
			}
		}
	}
	src := pgstoreMetricNames(t)
	for n := range pgOnlyMetrics {
		if !inDashboard[n] {
			t.Errorf("%s is listed as a PostgreSQL metric of the dashboard, which does not plot it", n)
		}
		found := false
		for f := range src {
			found = found || sampleOf(n, f)
		}
		if !found {
			t.Errorf("%s: tickets/pgstore registers no such metric", n)
		}
	}

	base := os.Getenv("TRIAGEBOT_TEST_POSTGRES")
	if base == "" {
		t.Skip("TRIAGEBOT_TEST_POSTGRES is not set: the PostgreSQL metrics were checked against the source only")
	}
	bin := imageBinary(t)
	dbURL := pgtest.URL(t)
	s := startServer(t, bin, []string{"TRIAGEBOT_DB=" + dbURL})
	var missing []string
	eventually(func() bool {
		got := s.scrape(t)
		missing = missing[:0]
		for n := range pgOnlyMetrics {
			if !got[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0
	})
	for _, n := range missing {
		t.Errorf("dashboard plots %s, which the binary on PostgreSQL does not export", n)
	}
}

// TestCaddyTwoReplicas is compose.yaml's topology on this machine: two
// servers on one PostgreSQL database behind the Caddyfile. The agent's
// event stream holds one replica, so Caddy's least_conn sends the widget to
// the other; the ticket the user opens there reaches the agent's stream
// through PostgreSQL and the proxy.
func TestCaddyTwoReplicas(t *testing.T) {
	base := os.Getenv("TRIAGEBOT_TEST_POSTGRES")
	if base == "" {
		t.Skip("TRIAGEBOT_TEST_POSTGRES is not set")
	}
	if _, err := exec.LookPath("caddy"); err != nil {
		t.Skip("caddy not installed")
	}
	bin := imageBinary(t)
	dbURL := pgtest.URL(t)
	env := []string{"TRIAGEBOT_DB=" + dbURL}

	// The first admin, made through the URL as the README says.
	add := exec.Command(bin, "agents", "add", "amy", "-admin")
	add.Env = append(os.Environ(), env...)
	out, err := add.Output()
	if err != nil {
		t.Fatalf("agents add on %s: %v", base, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])

	a := startServer(t, bin, env)
	b := startServer(t, bin, env)
	proxy := startCaddy(t, a.addr, b.addr)

	ev := openEvents(t, proxy, token)
	w := openWidget(t, proxy)
	w.send(map[string]string{"type": "message", "text": "I want to talk to a human agent"})
	w.await("ticket")
	ev.next("the new ticket's event", func(l string) bool { return strings.HasPrefix(l, "data:") && strings.Contains(l, "T-000001") })

	// Where each went: the widget's replica has its connection open; the
	// stream's replica counts the stream once it ends.
	ev.close()
	var streamAt, widgetAt []string
	eventually(func() bool {
		streamAt, widgetAt = nil, nil
		for _, s := range []*server{a, b} {
			if s.streamsEnded(t) == 1 {
				streamAt = append(streamAt, s.addr)
			}
			if _, body := s.get(t, "/metrics"); strings.Contains(body, "\ntriagebot_ws_connections 1\n") {
				widgetAt = append(widgetAt, s.addr)
			}
		}
		return len(streamAt) == 1 && len(widgetAt) == 1
	})
	if len(streamAt) != 1 || len(widgetAt) != 1 || streamAt[0] == widgetAt[0] {
		t.Errorf("event stream on %q, widget on %q: want one on each replica", streamAt, widgetAt)
	}
}

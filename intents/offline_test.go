package intents

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/triagebot/triagebot/language"
)

var update = flag.Bool("update", false, "rewrite model_calib.go with the cross-validated temperature")

// Thresholds the held-out set must meet. They are set a little under what the
// current examples give (0.976 overall; zh-Hant 1.000, zh-Hans 1.000, en
// 0.961; ECE 0.015), so that a real regression fails the test.
const (
	minHeldOutAccuracy = 0.972
	maxHeldOutECE      = 0.03
	// Training order alone moves the held-out accuracy by about half a point
	// (TestHeldOutAcrossSeeds: 0.971–0.977 today): every order must stay at
	// or above this.
	minHeldOutAnySeed = 0.965
)

// minHeldOutByLang is the least accuracy per language: a gain in one must
// not hide a loss in another. Customers' English is the hardest part.
var minHeldOutByLang = map[language.Lang]float64{language.ZhHant: 0.985, language.ZhHans: 0.985, language.English: 0.955}

func loadExamples(t testing.TB) []example {
	t.Helper()
	exs, err := parseExamples(examplesJSONL)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func testSplit(exs []example) []example {
	var out []example
	for _, ex := range exs {
		if ex.Split == "test" {
			out = append(out, ex)
		}
	}
	return out
}

// prediction is one classified example, for accuracy and calibration.
type prediction struct {
	ex   example
	got  Intent
	conf float64
}

func predictAll(o *Offline, exs []example) []prediction {
	out := make([]prediction, len(exs))
	p := make([]float64, len(o.m.classes))
	for i, ex := range exs {
		o.probabilities(ex.Text, p)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		out[i] = prediction{ex: ex, got: o.m.classes[best], conf: p[best]}
	}
	return out
}

// reliability bins predictions by confidence and returns the table and the
// expected calibration error (bin-weighted |accuracy − confidence|).
func reliability(preds []prediction, bins int) (string, float64) {
	type bin struct {
		n, right int
		conf     float64
	}
	bs := make([]bin, bins)
	for _, p := range preds {
		b := min(int(p.conf*float64(bins)), bins-1)
		bs[b].n++
		bs[b].conf += p.conf
		if p.got == p.ex.Intent {
			bs[b].right++
		}
	}
	var sb strings.Builder
	var ece float64
	fmt.Fprintf(&sb, "| confidence | n | mean conf | accuracy |\n|---|---|---|---|\n")
	for i, b := range bs {
		if b.n == 0 {
			continue
		}
		acc, conf := float64(b.right)/float64(b.n), b.conf/float64(b.n)
		ece += float64(b.n) / float64(len(preds)) * math.Abs(acc-conf)
		fmt.Fprintf(&sb, "| %.1f–%.1f | %d | %.3f | %.3f |\n", float64(i)/float64(bins), float64(i+1)/float64(bins), b.n, conf, acc)
	}
	return sb.String(), ece
}

func accuracy(preds []prediction) float64 {
	right := 0
	for _, p := range preds {
		if p.got == p.ex.Intent {
			right++
		}
	}
	return float64(right) / float64(len(preds))
}

func TestHeldOut(t *testing.T) {
	exs := loadExamples(t)
	o, err := NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	test := testSplit(exs)
	if len(test)*5 < len(exs) {
		t.Fatalf("only %d of %d examples held out, want ≥ 20%%", len(test), len(exs))
	}
	preds := predictAll(o, test)
	table, ece := reliability(preds, 10)
	acc := accuracy(preds)
	byLang := map[language.Lang][2]int{}
	for _, p := range preds {
		v := byLang[p.ex.Lang]
		v[1]++
		if p.got == p.ex.Intent {
			v[0]++
		}
		byLang[p.ex.Lang] = v
	}
	t.Logf("held-out: n=%d accuracy=%.3f ECE=%.3f temperature=%.2f", len(test), acc, ece, temperature)
	for _, l := range []language.Lang{language.ZhHant, language.ZhHans, language.English} {
		v := byLang[l]
		t.Logf("  %s: %d/%d = %.3f", l, v[0], v[1], float64(v[0])/float64(max(v[1], 1)))
	}
	var above, aboveRight, below, belowRight int
	for _, p := range preds {
		ok := p.got == p.ex.Intent
		if p.conf >= ClarifyBelow {
			above++
			if ok {
				aboveRight++
			}
		} else {
			below++
			if ok {
				belowRight++
			}
		}
	}
	t.Logf("ClarifyBelow=%.2f: %d answered with accuracy %.3f, %d clarified (accuracy there %.3f)",
		ClarifyBelow, above, float64(aboveRight)/float64(max(above, 1)), below, float64(belowRight)/float64(max(below, 1)))
	t.Logf("reliability:\n%s", table)
	for _, p := range preds {
		if p.got != p.ex.Intent && testing.Verbose() {
			t.Logf("  miss %.2f %-24s → %-24s %s", p.conf, p.ex.Intent, p.got, p.ex.Text)
		}
	}
	if acc < minHeldOutAccuracy {
		t.Errorf("held-out accuracy %.3f < %.2f", acc, minHeldOutAccuracy)
	}
	for l, least := range minHeldOutByLang {
		if v := byLang[l]; v[1] == 0 || float64(v[0]) < least*float64(v[1]) {
			t.Errorf("held-out %s accuracy %d/%d < %.3f", l, v[0], v[1], least)
		}
	}
	if ece > maxHeldOutECE {
		t.Errorf("held-out ECE %.3f > %.2f", ece, maxHeldOutECE)
	}
}

// TestHeldOutAcrossSeeds retrains with other visiting orders, so that the
// held-out figure is known not to be one lucky order: a change to the examples
// or features must keep every order above minHeldOutAnySeed and every
// language above its minimum less the same spread.
func TestHeldOutAcrossSeeds(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains the model five more times")
	}
	exs := loadExamples(t)
	test, tr := testSplit(exs), trainSplit(exs)
	var sum float64
	seeds := []uint64{1, 2, 3, 4, 5}
	for _, seed := range seeds {
		cfg := defaultTrain
		cfg.seed = seed * 0x2545F4914F6CDD1D
		preds := predictAll(newOffline(train(tr, cfg), temperature), test)
		acc := accuracy(preds)
		sum += acc
		byLang := map[language.Lang][2]int{}
		for _, p := range preds {
			v := byLang[p.ex.Lang]
			v[1]++
			if p.got == p.ex.Intent {
				v[0]++
			}
			byLang[p.ex.Lang] = v
		}
		t.Logf("seed %d: accuracy %.3f (zh-Hant %d/%d, zh-Hans %d/%d, en %d/%d)", seed, acc,
			byLang[language.ZhHant][0], byLang[language.ZhHant][1], byLang[language.ZhHans][0], byLang[language.ZhHans][1], byLang[language.English][0], byLang[language.English][1])
		if acc < minHeldOutAnySeed {
			t.Errorf("seed %d: held-out accuracy %.3f < %.3f", seed, acc, minHeldOutAnySeed)
		}
		for l, least := range minHeldOutByLang {
			if v := byLang[l]; float64(v[0]) < (least-0.01)*float64(v[1]) {
				t.Errorf("seed %d: held-out %s accuracy %d/%d < %.3f", seed, l, v[0], v[1], least-0.01)
			}
		}
	}
	t.Logf("mean held-out accuracy over %d other orders: %.3f", len(seeds), sum/float64(len(seeds)))
}

// TestCrossValidatedTemperature fits the softmax temperature by 5-fold
// cross-validation on the training split (minimum negative log-likelihood)
// and checks the committed constant; -update rewrites it.
func TestCrossValidatedTemperature(t *testing.T) {
	tr := trainSplit(loadExamples(t))
	const folds = 5
	type scored struct {
		logits []float64
		y      int
	}
	var all []scored
	for f := range folds {
		var fit, held []example
		for i, ex := range tr {
			if i%folds == f {
				held = append(held, ex)
			} else {
				fit = append(fit, ex)
			}
		}
		m := train(fit, defaultTrain)
		var buf []byte
		var hs []uint64
		for _, ex := range held {
			buf = appendNormalized(buf[:0], ex.Text)
			hs = features(hs[:0], buf)
			l := make([]float64, len(m.classes))
			m.logits(hs, l)
			y := 0
			for c, cl := range m.classes {
				if cl == ex.Intent {
					y = c
				}
			}
			all = append(all, scored{l, y})
		}
	}
	nll := func(temp float64) float64 {
		var s float64
		p := make([]float64, len(All))
		for _, x := range all {
			for c := range p {
				p[c] = x.logits[c] / temp
			}
			softmax(p)
			s -= math.Log(max(p[x.y], 1e-12))
		}
		return s / float64(len(all))
	}
	best, bestNLL := 1.0, math.Inf(1)
	for temp := 0.20; temp <= 3.0; temp += 0.01 {
		if v := nll(temp); v < bestNLL {
			best, bestNLL = temp, v
		}
	}
	best = math.Round(best*100) / 100
	t.Logf("cross-validated temperature %.2f (NLL %.4f; at 1.0: %.4f)", best, bestNLL, nll(1))
	if *update {
		src := fmt.Sprintf(`// Code generated by TestCrossValidatedTemperature -update. DO NOT EDIT.

package intents

// temperature divides the model's scores before the softmax so that its
// confidence matches its accuracy. It is fitted by 5-fold cross-validation on
// the training split (lowest negative log-likelihood), never on the held-out
// examples.
const temperature = %.2f
`, best)
		if err := os.WriteFile("model_calib.go", []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if math.Abs(best-temperature) > 0.05 {
		t.Errorf("temperature constant %.2f, cross-validation gives %.2f: run go test -run TestCrossValidatedTemperature -update", temperature, best)
	}
}

// TestExamplesNotFromDevSet makes sure no training or test example copies a
// sentence of the shared evaluation set, which would make its score say
// nothing about unseen messages.
func TestExamplesNotFromDevSet(t *testing.T) {
	data, err := os.ReadFile("../../shared/eval/dev.jsonl")
	if err != nil {
		t.Skipf("no dev set here: %v", err)
	}
	dev, err := parseExamples(data)
	if err != nil {
		t.Fatal(err)
	}
	key := func(s string) string {
		return strings.Join(strings.FieldsFunc(Normalize(s), func(r rune) bool {
			return r < utf8.RuneSelf && !isWordByte(byte(r))
		}), " ")
	}
	seen := map[string]bool{}
	for _, ex := range dev {
		seen[key(ex.Text)] = true
	}
	for _, ex := range loadExamples(t) {
		if seen[key(ex.Text)] {
			t.Errorf("example copies a dev-set sentence: %q", ex.Text)
		}
	}
}

func TestTrainingDeterministicAndFast(t *testing.T) {
	start := time.Now()
	a, err := NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	b, _ := NewOffline()
	for i := range a.m.weights {
		if a.m.weights[i] != b.m.weights[i] {
			t.Fatal("two trainings gave different weights")
		}
	}
	t.Logf("training took %v", took)
	if took > time.Second && !raceEnabled {
		t.Errorf("training took %v", took)
	}
	ctx := context.Background()
	if _, err := a.Classify(ctx, "  ", time.Now()); err != ErrEmptyText {
		t.Errorf("empty text: err %v", err)
	}
}

package intents

import (
	"math"
	"slices"

	"github.com/triagebot/triagebot/language"
)

// example is one labelled message for training or evaluation.
type example struct {
	Text   string        `json:"text"`
	Intent Intent        `json:"intent"`
	Lang   language.Lang `json:"lang"`
	Split  string        `json:"split,omitempty"` // "test": held out, never trained on
}

// model is a multinomial logistic regression over hashed features: for each
// known feature a row of one weight per class. Features never seen in
// training are ignored at prediction time.
type model struct {
	classes []Intent
	index   map[uint64]int32 // feature hash → row, while training
	table   featureTable     // the same, for fast lookups when predicting
	weights []float32        // row-major, len(index)*len(classes)
	bias    []float32
}

// featureTable is an open-addressing hash table from feature hash to row:
// about twice as fast as a Go map on the prediction path, which does little
// else than look features up.
type featureTable struct {
	keys  []uint64 // 0 = empty slot
	rows  []int32
	shift uint
}

func newFeatureTable(index map[uint64]int32) featureTable {
	bits := uint(4)
	for 1<<bits < 2*len(index) {
		bits++
	}
	t := featureTable{keys: make([]uint64, 1<<bits), rows: make([]int32, 1<<bits), shift: 64 - bits}
	mask := uint64(1)<<bits - 1
	for h, r := range index {
		h = nonZero(h)
		i := (h * 0x9E3779B97F4A7C15) >> t.shift
		for t.keys[i] != 0 {
			i = (i + 1) & mask
		}
		t.keys[i], t.rows[i] = h, r
	}
	return t
}

// get returns the row of feature h.
func (t *featureTable) get(h uint64) (int32, bool) {
	h = nonZero(h)
	mask := uint64(len(t.keys) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> t.shift; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case h:
			return t.rows[i], true
		case 0:
			return 0, false
		}
	}
}

// nonZero keeps the one hash that would read as an empty slot out of the
// table's way.
func nonZero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// trainConfig holds the hyper-parameters; they were picked by cross-validation
// on the training split (see TestCrossValidatedTemperature).
type trainConfig struct {
	epochs int
	rate   float64 // AdaGrad base learning rate
	l2     float64 // weight decay per update
	seed   uint64  // of the visiting order (xorshift: never 0)
}

var defaultTrain = trainConfig{epochs: 14, rate: 0.4, l2: 1e-4, seed: 0x9E3779B97F4A7C15}

// vectorize turns each example into its feature rows, registering new
// features in m.index.
func (m *model) vectorize(exs []example) [][]int32 {
	rows := make([][]int32, len(exs))
	var hashes []uint64
	var buf []byte
	for i, ex := range exs {
		buf = appendNormalized(buf[:0], ex.Text)
		hashes = features(hashes[:0], buf)
		r := make([]int32, 0, len(hashes))
		for _, h := range hashes {
			id, ok := m.index[h]
			if !ok {
				id = int32(len(m.index))
				m.index[h] = id
			}
			r = append(r, id)
		}
		rows[i] = r
	}
	return rows
}

// train fits a model on exs. It is deterministic: the visiting order comes
// from a fixed-seed generator, and nothing depends on map iteration order.
func train(exs []example, cfg trainConfig) *model {
	m := &model{classes: All, index: make(map[uint64]int32, 64*len(exs))}
	rows := m.vectorize(exs)
	k := len(m.classes)
	classOf := make(map[Intent]int, k)
	for i, c := range m.classes {
		classOf[c] = i
	}
	nf := len(m.index)
	w := make([]float64, nf*k)
	g2 := make([]float64, nf*k) // AdaGrad accumulators
	b := make([]float64, k)
	bg2 := make([]float64, k)
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	rng := cfg.seed
	logits := make([]float64, k)
	grad := make([]float64, k)
	for ep := 0; ep < cfg.epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- { // Fisher–Yates, fixed seed
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			j := int(rng % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, ei := range order {
			r := rows[ei]
			if len(r) == 0 {
				continue
			}
			scale := 1 / math.Sqrt(float64(len(r)))
			copy(logits, b)
			for _, f := range r {
				row := w[int(f)*k : int(f)*k+k]
				for c := range k {
					logits[c] += row[c] * scale
				}
			}
			softmax(logits)
			y := classOf[exs[ei].Intent]
			for c := range k {
				grad[c] = logits[c]
			}
			grad[y]--
			for c := range k {
				bg2[c] += grad[c] * grad[c]
				b[c] -= cfg.rate * grad[c] / (math.Sqrt(bg2[c]) + 1e-8)
			}
			for _, f := range r {
				base := int(f) * k
				for c := range k {
					gc := grad[c]*scale + cfg.l2*w[base+c]
					g2[base+c] += gc * gc
					w[base+c] -= cfg.rate * gc / (math.Sqrt(g2[base+c]) + 1e-8)
				}
			}
		}
	}
	m.weights = make([]float32, len(w))
	for i, x := range w {
		m.weights[i] = float32(x)
	}
	m.bias = make([]float32, k)
	for i, x := range b {
		m.bias[i] = float32(x)
	}
	m.table = newFeatureTable(m.index)
	m.index = nil // predicting uses the table; the map would only hold memory
	return m
}

// logits writes the raw class scores of the feature hashes into out.
func (m *model) logits(hashes []uint64, out []float64) {
	k := len(m.classes)
	for c := range k {
		out[c] = float64(m.bias[c])
	}
	if len(hashes) == 0 {
		return
	}
	// Unknown features still count in the length normalisation, as they
	// did in training: a long message with few known words is less certain.
	scale := float32(1 / math.Sqrt(float64(len(hashes))))
	var acc [32]float32
	for _, h := range hashes {
		f, ok := m.table.get(h)
		if !ok {
			continue
		}
		row := m.weights[int(f)*k : int(f)*k+k]
		for c := range k {
			acc[c] += row[c]
		}
	}
	for c := range k {
		out[c] += float64(acc[c] * scale)
	}
}

// softmax turns scores into probabilities in place.
func softmax(x []float64) {
	mx := slices.Max(x)
	var sum float64
	for i, v := range x {
		e := math.Exp(v - mx)
		x[i] = e
		sum += e
	}
	for i := range x {
		x[i] /= sum
	}
}

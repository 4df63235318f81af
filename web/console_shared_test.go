package web

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// The console's browser tests share one Chromium: starting and stopping
// one costs seconds, a tab costs little. Each test gets its own tabs, and
// each test's server its own origin, so no storage is shared between tests.
var sharedBrowser struct {
	once   sync.Once
	ctx    context.Context
	err    error
	dir    string
	cancel func()
}

// consoleTab opens a tab in the shared browser; it is closed when the test ends.
func consoleTab(t *testing.T, exe string) context.Context {
	t.Helper()
	b := &sharedBrowser
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "triagebot-console-")
		if b.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(b.dir),
			chromedp.WindowSize(1280, 900),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		browser, cancelBrowser := chromedp.NewContext(alloc)
		b.ctx = browser
		b.cancel = func() {
			cancelBrowser()
			cancelAlloc()
			_ = os.RemoveAll(b.dir)
		}
		// The first Run starts the browser and opens its first tab.
		b.err = chromedp.Do(browser, chromedp.Navigate("about:blank"))
	})
	if b.err != nil {
		t.Fatalf("starting the shared browser: %v", b.err)
	}
	tab, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	return tab
}

// TestMain stops the shared browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if sharedBrowser.cancel != nil {
		sharedBrowser.cancel()
	}
	os.Exit(code)
}

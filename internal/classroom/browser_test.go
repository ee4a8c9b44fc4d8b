package classroom

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// findChromium is the headless browser the page test drives: Debian's
// chromium package (CI installs it), or CHROME=path.
func findChromium() string {
	if p := os.Getenv("CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The page, in a real browser: attendees act, and the grid shows them
// without a reload (server-sent events). A screenshot is kept in
// .artifacts/ (git-ignored) for a person to look at.
func TestBoardPageInABrowser(t *testing.T) {
	chrome := findChromium()
	if chrome == "" {
		t.Skip("skipped: no Chromium to drive (apt-get install chromium, or CHROME=path); CI installs it and runs this test")
	}
	ctx := testkit.Context(t)
	testkit.Client(t)
	token := NewToken()
	srv, _ := startBoard(t, token)

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.Headless, chromedp.WindowSize(1100, 500))...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	browser, cancelTimeout := context.WithTimeout(browser, 60*time.Second)
	defer cancelTimeout()

	require.NoError(t, chromedp.Do(browser,
		chromedp.Navigate(srv.URL+"/?token="+token),
		chromedp.WaitReady(`#status`),
	))
	// The page is open and empty; now the room acts.
	for _, name := range []string{"Ada", "Grace", "Linus"} {
		dir := joinAs(t, name)
		require.NoError(t, Send(ctx, dir, Event{Kind: KindCheck, Step: 1, Lesson: Passed, Exercise: Passed}))
		if name == "Linus" {
			require.NoError(t, Send(ctx, dir, Event{Kind: KindCheck, Step: 2, Lesson: Failed, Failure: "want 20, got 10"}))
		}
	}
	require.NoError(t, chromedp.Do(browser,
		chromedp.WaitVisible(`tr[data-name="Linus"] td[data-step="2"].failed`),
		chromedp.WaitVisible(`tr[data-name="Ada"] td[data-step="1"].passed`),
		chromedp.WaitVisible(`tr[data-name="Grace"] td[data-step="1"].passed`),
	))
	cells, err := chromedp.Run(browser, chromedp.Text(`#grid tbody`))
	require.NoError(t, err)
	linusNote, err := chromedp.Run(browser, chromedp.Text(`tr[data-name="Linus"] td.note`))
	require.NoError(t, err)
	for _, name := range []string{"Ada", "Grace", "Linus"} {
		assert.Contains(t, cells, name)
	}
	assert.Equal(t, "want 20, got 10", strings.TrimSpace(linusNote))

	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dir := filepath.Join(repoRoot(t), ".artifacts")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "class-board.png"), png, 0o644))

	// Without the token the page is refused.
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(srv.URL+"/")))
	body, err := chromedp.Run(browser, chromedp.Text(`body`))
	require.NoError(t, err)
	assert.Contains(t, body, "401")
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test")
		dir = parent
	}
}

// Command docsync fills the code and output regions of the chapters in
// docs/ from the steps' sources and golden files (`make docs`). With
// arguments, only those chapters: docsync docs/05-cache.md
package main

import (
	"fmt"
	"os"

	"github.com/redis-go-workbook/workbook/internal/docs"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

func main() {
	root, err := workbook.Root()
	if err == nil {
		var changed []string
		changed, err = docs.Sync(root, os.Args[1:]...)
		for _, p := range changed {
			fmt.Println("updated", p)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docsync:", err)
		os.Exit(1)
	}
}

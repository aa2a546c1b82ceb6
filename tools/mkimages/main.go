// Command mkimages builds the project's test images from ../shared/data into
// .cache/images (docker-archive tarballs) and prints their paths.
//
//	go run ./tools/mkimages [-dir DIR] [NAME...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vigilhq/vigil/internal/testimages"
)

func main() {
	dir := flag.String("dir", "", "output folder (default .cache/images under the module root)")
	list := flag.Bool("list", false, "list the images that can be built")
	flag.Parse()
	if *list {
		for _, n := range testimages.Names() {
			fmt.Printf("%-16s %s\n", n, testimages.Describe(n))
		}
		return
	}
	if *dir == "" {
		d, err := testimages.DefaultCacheDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkimages:", err)
			os.Exit(1)
		}
		*dir = d
	}
	names := flag.Args()
	if len(names) == 0 {
		names = testimages.Names()
	}
	for _, n := range names {
		p, err := testimages.Build(context.Background(), n, *dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkimages:", err)
			os.Exit(1)
		}
		fmt.Println(p)
	}
}

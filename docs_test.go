package playerbase_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Comments cite the domain rules as `docs/RULES.md "Section"`: every such
// reference must name the file the repository ships and a section it has,
// so a reader who follows one lands on the rule.
func TestRulesReferencesResolve(t *testing.T) {
	sections := map[string]bool{}
	f, err := os.Open("docs/RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if h, ok := strings.CutPrefix(sc.Text(), "## "); ok {
			// "Metadata (package `metadata`)" is cited as "Metadata".
			name, _, _ := strings.Cut(h, " (")
			sections[name] = true
		}
	}

	ref := regexp.MustCompile(`([\w./-]*)RULES\.md(?: "([^"]+)")?`)
	refs := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "." {
			return filepath.SkipDir
		}
		// This file names the pattern, not a rule.
		if d.IsDir() || !strings.HasSuffix(path, ".go") || path == "docs_test.go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(src), -1) {
			refs++
			if m[1] != "docs/" {
				t.Errorf("%s cites %q: want docs/RULES.md", path, m[0])
			}
			if m[2] != "" && !sections[m[2]] {
				t.Errorf("%s cites section %q, which docs/RULES.md does not have", path, m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs == 0 {
		t.Fatal("found no reference to docs/RULES.md: the pattern or the walk is wrong")
	}
}

// The README's relative links (LICENSE, docs/RULES.md) point at files the
// repository has.
func TestReadmeLinksResolve(t *testing.T) {
	src, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`\]\(([^)#:]+)\)`).FindAllStringSubmatch(string(src), -1)
	if len(links) == 0 {
		t.Fatal("README has no relative link")
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.FromSlash(l[1])); err != nil {
			t.Errorf("README links to %s: %v", l[1], err)
		}
	}
}

// jujucheck reads packed charms with Juju's own charm-archive parser (github.com/juju/charm/v13,
// the code `juju deploy ./x.charm` runs) and prints one JSON line per archive. It fails when the
// parser or CheckMeta refuses the archive, or when the charm declares no `assumes: juju >= X` that
// covers what its files need: config type `secret` parses only on Juju >= 3.3, and charm-owned
// secret revisions are tracked per unit only from 3.3.1 (3.1.7 on the 3.1 series), which the
// charm's credential revocation relies on. `assumes` is how Juju and Charmhub know which
// controllers can run the charm.
package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"

	"github.com/juju/charm/v13"
	"github.com/juju/charm/v13/assumes"
	"github.com/juju/version/v2"
)

type report struct {
	Path      string   `json:"path"`
	Name      string   `json:"name"`
	Format    int      `json:"format"`
	Bases     []string `json:"bases"`
	Assumes   string   `json:"assumes"`
	NeedsJuju string   `json:"needsJuju"`
	Members   int      `json:"members"`
}

// minimumJuju is what the charm's own files require of the controller.
func minimumJuju(ch charm.Charm) version.Number {
	for _, option := range ch.Config().Options {
		if option.Type == "secret" {
			return version.MustParse("3.3.1")
		}
	}
	return version.MustParse("3.1.7")
}

// declaredJuju finds `juju >= X` at the top level of assumes (an implicit all-of).
func declaredJuju(tree *assumes.ExpressionTree) *version.Number {
	if tree == nil {
		return nil
	}
	var walk func(assumes.Expression) *version.Number
	walk = func(e assumes.Expression) *version.Number {
		switch expr := e.(type) {
		case assumes.FeatureExpression:
			if expr.Name == "juju" && expr.Constraint == assumes.VersionGTE {
				return expr.Version
			}
		case *assumes.FeatureExpression:
			if expr.Name == "juju" && expr.Constraint == assumes.VersionGTE {
				return expr.Version
			}
		case assumes.CompositeExpression:
			if expr.ExprType == assumes.AllOfExpression {
				for _, sub := range expr.SubExpressions {
					if v := walk(sub); v != nil {
						return v
					}
				}
			}
		case *assumes.CompositeExpression:
			return walk(*expr)
		}
		return nil
	}
	return walk(tree.Expression)
}

// executable checks the zip's Unix modes: Juju keeps them when it unpacks the charm.
func executable(path string, names ...string) error {
	r, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer r.Close()
	modes := map[string]os.FileMode{}
	for _, f := range r.File {
		modes[f.Name] = f.Mode()
	}
	for _, name := range names {
		mode, ok := modes[name]
		if !ok {
			return fmt.Errorf("%s is missing", name)
		}
		if mode&0o111 == 0 {
			return fmt.Errorf("%s is not executable (mode %v)", name, mode)
		}
	}
	return nil
}

func check(path string) (*report, error) {
	ch, err := charm.ReadCharmArchive(path)
	if err != nil {
		return nil, fmt.Errorf("ReadCharmArchive: %w", err)
	}
	if err := charm.CheckMeta(ch); err != nil {
		return nil, fmt.Errorf("CheckMeta: %w", err)
	}
	if err := executable(path, "dispatch", "bin/node"); err != nil {
		return nil, err
	}
	members, err := ch.ArchiveMembers()
	if err != nil {
		return nil, err
	}
	need := minimumJuju(ch)
	declared := declaredJuju(ch.Meta().Assumes)
	if declared == nil {
		return nil, fmt.Errorf("metadata.yaml has no `assumes: [juju >= %s]`: an older Juju would fail on the charm's files instead of naming the Juju it needs", need)
	}
	if declared.Compare(need) < 0 {
		return nil, fmt.Errorf("assumes juju >= %s, but the charm needs juju >= %s", declared, need)
	}
	r := &report{Path: path, Name: ch.Meta().Name, Format: int(charm.MetaFormat(ch)), Assumes: ">= " + declared.String(), NeedsJuju: ">= " + need.String(), Members: len(members)}
	if m := ch.Manifest(); m != nil {
		for _, b := range m.Bases {
			r.Bases = append(r.Bases, fmt.Sprintf("%s@%s/%v", b.Name, b.Channel.Track, b.Architectures))
		}
	}
	return r, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: jujucheck <charm archive>...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		r, err := check(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
			continue
		}
		line, _ := json.Marshal(r)
		fmt.Println(string(line))
	}
	if failed {
		os.Exit(1)
	}
}

package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/pantau-id/pantau"

// dependencies maps the names the README's "may import" column uses for
// third-party modules to their import path prefixes.
var dependencies = map[string]string{
	"pgx":                "github.com/jackc/pgx/",
	"goose":              "github.com/pressly/goose/",
	"slack-go":           "github.com/slack-go/slack",
	"gin":                "github.com/gin-gonic/gin",
	"client_golang":      "github.com/prometheus/client_golang/",
	"x/sys":              "golang.org/x/sys/",
	"x/crypto":           "golang.org/x/crypto/",
	"go-echarts":         "github.com/go-echarts/go-echarts/",
	"excelize":           "github.com/xuri/excelize/",
	"fastjson":           "github.com/valyala/fastjson",
	"klauspost/compress": "github.com/klauspost/compress/",
	"yaml":               "go.yaml.in/yaml/",
	"chromedp":           "github.com/chromedp/chromedp",
	"cdproto":            "github.com/chromedp/cdproto/",
}

// row is one line of the README's architecture table.
type row struct {
	line       int
	folders    []string // module-relative; "x/..." is x and everything below
	everything bool
	internal   []string // module-relative; "x/..." as above
	external   []string // import path prefixes
}

func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

var backticked = regexp.MustCompile("`([^`]*)`")

// readTable parses README.md's architecture table (folder | holds | may
// import).
func readTable(t *testing.T) []row {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "| folder | holds | may import |") {
			in = true
			continue
		}
		if !in || strings.HasPrefix(line, "|---") {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 3 {
			t.Fatalf("README.md:%d: want 3 cells (folder | holds | may import), got %d", n, len(cells))
		}
		r := row{line: n}
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			r.folders = append(r.folders, strings.TrimSuffix(m[1], "/"))
		}
		for item := range strings.SplitSeq(cells[2], ",") {
			item = strings.TrimSpace(item)
			if i := strings.Index(item, " ("); i >= 0 {
				item = item[:i] // a note on why, such as (pure rules)
			}
			switch {
			case item == "stdlib" || item == "—" || item == "":
			case item == "everything":
				r.everything = true
			case strings.HasPrefix(item, "`"):
				r.internal = append(r.internal, strings.TrimSuffix(strings.Trim(item, "`"), "/"))
			case dependencies[item] != "":
				r.external = append(r.external, dependencies[item])
			default:
				t.Errorf("README.md:%d: %q is no package nor a known dependency", n, item)
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("README.md has no architecture table")
	}
	return rows
}

// TestArchitectureTable fails when a package of the module has no row in
// README.md's architecture table, or imports (outside its tests) a package
// of the module or a third-party module its row does not allow. The
// standard library is always allowed; a package of its own row's folders
// is not implied.
func TestArchitectureTable(t *testing.T) {
	rows := readTable(t)
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if pkg == "" {
			continue // the module root holds no package, only tooling
		}
		var r *row
		for i := range rows {
			for _, f := range rows[i].folders {
				if matches(f, pkg) {
					r = &rows[i]
				}
			}
		}
		if r == nil {
			t.Errorf("%s has no row in README.md's architecture table", pkg)
			continue
		}
		if r.everything {
			continue
		}
		for _, imp := range p.Imports {
			if err := r.allows(imp); err != nil {
				t.Errorf("%s (README.md:%d): %v", pkg, r.line, err)
			}
		}
	}
}

func (r *row) allows(imp string) error {
	if internal, ok := strings.CutPrefix(imp, module+"/"); ok {
		for _, a := range r.internal {
			if matches(a, internal) {
				return nil
			}
		}
		return fmt.Errorf("imports %s, which its row does not allow", internal)
	}
	if !strings.Contains(strings.Split(imp, "/")[0], ".") {
		return nil // standard library
	}
	for _, e := range r.external {
		if strings.HasPrefix(imp+"/", e) || strings.HasPrefix(imp, e) {
			return nil
		}
	}
	return fmt.Errorf("imports %s, which its row does not allow", imp)
}

package webui

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/web"
)

// boardRefreshSeconds is how often the status board fetches itself again.
const boardRefreshSeconds = 10

// boardRow is one office on the status board, already in words.
type boardRow struct {
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	ProvinceCode string     `json:"province_code"`
	State        api.State  `json:"state"`
	StateLabel   string     `json:"state_label"`
	Since        string     `json:"since"`
	SinceAt      *time.Time `json:"since_at"`
	Age          string     `json:"age"`
	AgeSeconds   *float64   `json:"age_seconds"`
	Cause        api.Cause  `json:"cause,omitempty"`
	// Rank orders the board: offices that need attention first.
	Rank int `json:"rank"`
	// Listed and Shown say whether the office's row and its grid cell match
	// the board's filter (the page's first paint; the script re-applies the
	// same rule as the viewer types).
	Listed bool `json:"-"`
	Shown  bool `json:"-"`
}

// boardCount is how many offices are in one state.
type boardCount struct {
	State api.State `json:"state"`
	Label string    `json:"label"`
	N     int       `json:"n"`
}

// boardProvince is one province the viewer may filter by.
type boardProvince struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// boardFilter is what the viewer asked to see: a name or code, a province,
// a state. The zero filter shows every office in the grid and lists only
// the offices that need attention.
type boardFilter struct {
	Query    string    `json:"q"`
	Province string    `json:"prov"`
	State    api.State `json:"state"`
}

// board is the status board's data, for the page and its JSON refresh.
type board struct {
	Updated        string          `json:"updated"`
	RefreshSeconds int             `json:"refresh_seconds"`
	Rows           []boardRow      `json:"offices"`
	Counts         []boardCount    `json:"counts"`
	Provinces      []boardProvince `json:"provinces"`
	Filter         boardFilter     `json:"-"`
	// Total, Shown and Listed count the offices in scope, the grid cells
	// and the rows the filter shows; Unknown counts the offices without a
	// state, which never get a row of their own.
	Total, Shown, Listed, Unknown int `json:"-"`
	// Incidents are the open incidents in scope, linked (the page only).
	Incidents []incidentLink `json:"-"`
}

// boardStates are the states in the order the board ranks them.
var boardStates = []api.State{api.StateDown, api.StateMaintenance, api.StateUnknown, api.StateUp}

// boardRank is where a state sorts on the board.
func boardRank(s api.State) int {
	if i := slices.Index(boardStates, s); i >= 0 {
		return i
	}
	return len(boardStates)
}

// matches says whether an office passes the filter's query, province and
// state: the rule for a grid cell. board.js applies the same rule.
func (f boardFilter) matches(r boardRow) bool {
	if f.Province != "" && r.ProvinceCode != f.Province {
		return false
	}
	if f.State != "" && r.State != f.State {
		return false
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	return q == "" || strings.Contains(strings.ToLower(r.Name), q) || strings.HasPrefix(r.Code, q)
}

// lists says whether an office gets a row: it matches, it has a state
// (unknown offices are only counted and drawn in the grid), and it needs
// attention or the viewer looked for it by name or state.
func (f boardFilter) lists(r boardRow) bool {
	if !f.matches(r) || r.State == api.StateUnknown {
		return false
	}
	return r.State == api.StateDown || r.State == api.StateMaintenance || strings.TrimSpace(f.Query) != "" || f.State != ""
}

// boardFilterOf reads the filter from the query string; an unknown state
// is ignored rather than showing nothing.
func boardFilterOf(c *gin.Context) boardFilter {
	f := boardFilter{Query: c.Query("q"), Province: c.Query("prov"), State: api.State(c.Query("state"))}
	if !slices.Contains(boardStates, f.State) {
		f.State = ""
	}
	return f
}

// buildBoard reads the state of every office in the caller's scope.
func (p *Pages) buildBoard(c *gin.Context) (board, error) {
	ctx := c.Request.Context()
	offices, err := p.guard.OfficesInScope(c, api.OfficeFilter{})
	if err != nil {
		return board{}, err
	}
	now := p.now()
	states, err := p.officeStates(ctx, offices, auth.ScopeOf(c).Filter(), now)
	if err != nil {
		return board{}, err
	}
	provinces, err := p.store.Provinces(ctx)
	if err != nil {
		return board{}, err
	}
	lang, tz := auth.LangOf(c), p.viewerZone(ctx, auth.ScopeOf(c))
	b := board{Updated: web.FormatTime(lang, tz, now), RefreshSeconds: boardRefreshSeconds,
		Rows: make([]boardRow, 0, len(states)), Filter: boardFilterOf(c), Total: len(states)}
	n := map[api.State]int{}
	inScope := map[string]bool{}
	for i, st := range states {
		n[st.State]++
		row := boardRowOf(lang, tz, offices[i], st)
		row.ProvinceCode, row.Rank = offices[i].ProvinceCode, boardRank(st.State)
		inScope[row.ProvinceCode] = true
		b.Rows = append(b.Rows, row)
	}
	// Offices that need attention first, then by code: a refresh that
	// changes one state moves that office and no other.
	slices.SortFunc(b.Rows, func(x, y boardRow) int { return cmp.Or(x.Rank-y.Rank, strings.Compare(x.Code, y.Code)) })
	for i := range b.Rows {
		r := &b.Rows[i]
		r.Shown, r.Listed = b.Filter.matches(*r), b.Filter.lists(*r)
		if r.Shown {
			b.Shown++
		}
		if r.Listed {
			b.Listed++
		}
	}
	b.Unknown = n[api.StateUnknown]
	for _, s := range boardStates {
		b.Counts = append(b.Counts, boardCount{State: s, Label: web.T(lang, "state."+string(s)), N: n[s]})
	}
	for _, pr := range provinces {
		if inScope[pr.Code] {
			b.Provinces = append(b.Provinces, boardProvince{Code: pr.Code, Name: pr.Name})
		}
	}
	return b, nil
}

// BoardPage is the status board: every office in scope.
func (p *Pages) BoardPage(c *gin.Context) error {
	b, err := p.buildBoard(c)
	if err != nil {
		return err
	}
	if b.Incidents, err = p.openIncidents(c); err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "board", "board.title", b)
}

// BoardJSON is the board's data for its own refresh (GET /api/v1/board).
func (p *Pages) BoardJSON(c *gin.Context) error {
	b, err := p.buildBoard(c)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, b)
	return nil
}

package webui

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/web"
)

// boardRefreshSeconds is how often the status board fetches itself again.
const boardRefreshSeconds = 15

// boardRow is one office on the status board, already in words.
type boardRow struct {
	Code       string     `json:"code"`
	Name       string     `json:"name"`
	State      api.State  `json:"state"`
	StateLabel string     `json:"state_label"`
	Since      string     `json:"since"`
	SinceAt    *time.Time `json:"since_at"`
	Age        string     `json:"age"`
	AgeSeconds *float64   `json:"age_seconds"`
	Cause      api.Cause  `json:"cause,omitempty"`
}

// boardCount is how many offices are in one state.
type boardCount struct {
	State api.State `json:"state"`
	N     int       `json:"n"`
}

// board is the status board's data, for the page and its JSON refresh.
type board struct {
	Updated        string       `json:"updated"`
	RefreshSeconds int          `json:"refresh_seconds"`
	Rows           []boardRow   `json:"offices"`
	Counts         []boardCount `json:"counts"`
}

// buildBoard reads the state of every office in the caller's scope.
func (p *Pages) buildBoard(c *gin.Context) (board, error) {
	offices, err := p.guard.OfficesInScope(c, api.OfficeFilter{})
	if err != nil {
		return board{}, err
	}
	now := p.now()
	states, err := p.officeStates(c.Request.Context(), offices, auth.ScopeOf(c).Filter(), now)
	if err != nil {
		return board{}, err
	}
	lang := auth.LangOf(c)
	b := board{Updated: web.FormatTime(lang, "Asia/Jakarta", now), RefreshSeconds: boardRefreshSeconds, Rows: make([]boardRow, 0, len(states))}
	n := map[api.State]int{}
	for i, st := range states {
		n[st.State]++
		b.Rows = append(b.Rows, boardRowOf(lang, offices[i], st))
	}
	// Offices that need attention first; the order is stable, so a refresh
	// that changes a state moves no other row.
	rank := map[api.State]int{api.StateDown: 0, api.StateMaintenance: 1, api.StateUnknown: 2, api.StateUp: 3}
	slices.SortStableFunc(b.Rows, func(x, y boardRow) int { return rank[x.State] - rank[y.State] })
	for _, s := range []api.State{api.StateDown, api.StateUnknown, api.StateMaintenance, api.StateUp} {
		b.Counts = append(b.Counts, boardCount{State: s, N: n[s]})
	}
	return b, nil
}

// BoardPage is the status board: every office in scope.
func (p *Pages) BoardPage(c *gin.Context) error {
	b, err := p.buildBoard(c)
	if err != nil {
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

package escalate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// ackActionID is the action_id of the acknowledge button; its value is
// "<anchor office>:<incident id>".
const ackActionID = "pantau_ack"

// message is what the outbox stores: rendered when the state changed, so
// the sender only delivers.
type message struct {
	Text   string       `json:"text"`
	Blocks slack.Blocks `json:"blocks"`
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

// officeList writes "Kota Makassar (73.71), …", at most 20 names then "+N".
func officeList(offices []OfficeRef) string {
	var names []string
	for i, o := range offices {
		if i == 20 {
			names = append(names, fmt.Sprintf("+%d", len(offices)-20))
			break
		}
		names = append(names, fmt.Sprintf("%s (%s)", o.Name, o.Code))
	}
	return strings.Join(names, ", ")
}

func title(offices []OfficeRef, l lexicon) string {
	if len(offices) == 1 {
		return offices[0].Name
	}
	return fmt.Sprintf("%d %s", len(offices), strings.ToLower(l.offices))
}

// topMessage renders an incident's top message for the offices a channel
// covers: open with its button, acknowledged, or recovered with duration and
// the backlog estimate.
func topMessage(pol Policy, inc incident, offices []OfficeRef) message {
	l := lex(pol.Language)
	loc := loadZone(offices[0].TZ)
	name := title(offices, l)
	if inc.Flapping {
		name += " (" + l.unstable + ")"
	}
	head := "🔴 " + l.outage + ": " + name
	switch {
	case inc.Retracted && inc.MergedInto != 0:
		head = "⚪ " + l.merged + ": " + name
	case inc.Retracted:
		head = "⚪ " + l.retracted + ": " + name
	case inc.Maintenance && inc.EndedAt != nil:
		head = "✅ " + l.planned + ": " + name
	case inc.Maintenance:
		head = "🛠 " + l.planned + ": " + name
	case inc.Late && inc.EndedAt != nil:
		head = "🕓 " + l.late + ": " + name
	case inc.EndedAt != nil:
		head = "✅ " + l.recovered + ": " + name
	}
	lines := []string{
		fmt.Sprintf("*%s*", head),
		fmt.Sprintf("*%s (%d):* %s", l.offices, len(offices), officeList(offices)),
		fmt.Sprintf("*%s:* %s", l.since, l.when(inc.StartedAt, loc)),
		fmt.Sprintf("*%s:* %s · *%s:* %s", l.cause, l.causes[inc.Cause], l.scope, l.scopes[inc.Scope]),
	}
	switch {
	case inc.Maintenance:
		lines = append(lines, "🛠 "+l.plannedText)
	case inc.Late && inc.EndedAt != nil:
		lines = append(lines, l.lateText)
	}
	if line := promiseLine(l, inc); line != "" {
		lines = append(lines, line)
	}
	switch {
	case inc.Retracted && inc.MergedInto != 0:
		lines = append(lines, fmt.Sprintf(l.mergedText, inc.MergedInto))
	case inc.Retracted:
		lines = append(lines, l.retractedText)
	case inc.EndedAt != nil:
		lines = append(lines, fmt.Sprintf("*%s:* %s (%s)", l.duration,
			l.span(inc.EndedAt.Sub(inc.StartedAt)), l.when(*inc.EndedAt, loc)))
		if e := inc.Estimate; e != nil {
			lines = append(lines, estimateLine(l, *e))
		}
	}
	if inc.AckedAt != nil {
		lines = append(lines, fmt.Sprintf("*%s:* %s, %s", l.ackedBy, who(inc.AckedBy, inc.AckedName), l.when(*inc.AckedAt, loc)))
	}
	if pol.WebURL != "" {
		lines = append(lines, fmt.Sprintf("<%s/incidents/%d|%s>", pol.WebURL, inc.ID, l.details))
	}
	blocks := []slack.Block{section(strings.Join(lines, "\n"))}
	if inc.EndedAt == nil && inc.AckedAt == nil && !inc.Maintenance {
		btn := slack.NewButtonBlockElement(ackActionID, inc.Anchor+":"+strconv.FormatInt(inc.ID, 10),
			slack.NewTextBlockObject(slack.PlainTextType, l.ackButton, false, false))
		btn.Style = slack.StylePrimary
		blocks = append(blocks, slack.NewActionBlock("pantau_actions", btn))
	}
	return message{Text: head, Blocks: slack.Blocks{BlockSet: blocks}}
}

func estimateLine(l lexicon, e Estimate) string {
	s := fmt.Sprintf("*%s:* %d %s · %s %s %s · %s %s", l.backlog, e.Documents, l.documents,
		l.overtime, strconv.FormatFloat(e.OvertimeHours, 'f', -1, 64), l.hour, l.cost, rupiah(e.Cost))
	if !e.ClearanceDate.IsZero() {
		// A calendar day: shown as given, never shifted into another zone.
		s += fmt.Sprintf(" · %s %s", l.clearance, l.date(e.ClearanceDate, e.ClearanceDate.Location()))
	}
	return s
}

// who names the acknowledging person: their display name with the
// mention, or the mention alone when the name is not known.
func who(user, name string) string {
	if name == "" {
		return mention(user)
	}
	return name + " (" + mention(user) + ")"
}

// mention writes a Slack user ID as a mention, anything else as is.
func mention(user string) string {
	if strings.HasPrefix(user, "U") || strings.HasPrefix(user, "W") {
		return "<@" + user + ">"
	}
	return user
}

func textMessage(text string) message {
	return message{Text: text, Blocks: slack.Blocks{BlockSet: []slack.Block{section(text)}}}
}

func reopenedMessage(lang string, inc incident) message {
	l := lex(lang)
	text := "🔴 " + l.reopenedText
	if inc.Flapping {
		text += " (" + l.unstable + ")"
	}
	return textMessage(text)
}

// pointerMessage tells an office thread that its office is now part of a
// wider incident, whose one message is in channel.
func pointerMessage(lang string, inc incident, channel string) message {
	l := lex(lang)
	where := l.scopes[inc.Scope]
	if channel != "" {
		where = "<#" + channel + ">"
	}
	return textMessage("↗️ " + fmt.Sprintf(l.pointerText, l.scopes[inc.Scope], len(inc.Offices), where))
}

func reminderMessage(lang string, inc incident, now time.Time) message {
	l := lex(lang)
	text := "⏰ *" + l.reminder + ":* " + fmt.Sprintf(l.reminderText, l.span(now.Sub(inc.StartedAt)))
	if line := promiseLine(l, inc); line != "" {
		text += "\n" + line
	}
	return textMessage(text)
}

// promiseLine states an open incident's promise deadline, or that the
// promise is broken; "" when there is none to state.
func promiseLine(l lexicon, inc incident) string {
	p := inc.Promise
	if p == nil || inc.EndedAt != nil || inc.Maintenance || inc.Late {
		return ""
	}
	if !p.Kept {
		return "⚠️ " + fmt.Sprintf(l.promiseBroken, p.Office, p.Late)
	}
	if p.Deadline == nil {
		return ""
	}
	return "⏳ " + fmt.Sprintf(l.promiseKept, p.Office, l.when(*p.Deadline, loadZone(p.TZ)), p.OvertimeHours, rupiah(p.Cost))
}

func ackMessage(lang, user, name string) message {
	return textMessage("✅ " + fmt.Sprintf(lex(lang).ackNote, who(user, name)))
}

func recoveredMessage(lang string, inc incident) message {
	l := lex(lang)
	text := "✅ " + fmt.Sprintf(l.recoveredText, l.span(inc.EndedAt.Sub(inc.StartedAt)))
	if inc.Maintenance {
		text = "✅ " + fmt.Sprintf(l.plannedEnded, l.span(inc.EndedAt.Sub(inc.StartedAt)))
	}
	if e := inc.Estimate; e != nil {
		text += "\n" + estimateLine(l, *e)
	}
	return textMessage(text)
}

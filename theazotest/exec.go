package theazotest

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	sleepRe = regexp.MustCompile(`\bsleep\s*\(?\s*(\d+(?:\.\d+)?)`)
	exitRe  = regexp.MustCompile(`\bexit\s*\(?\s*(\d+)`)
	printRe = regexp.MustCompile(`^\s*(?:print|console\.log)\((.*)\)\s*;?\s*$`)
	echoRe  = regexp.MustCompile(`^\s*echo\s+(.*?)\s*$`)
)

// DefaultExec is the exec of a server without WithExec. It runs nothing:
// it prints what lines like print("hi"), print(2 + 2), console.log(6 * 7)
// and echo hello would print, exits with the code of an exit(N) or exit N,
// and reports a 504 timeout for a sleep longer than 120 seconds, at once.
func DefaultExec(lang, code string) ExecResult {
	res := ExecResult{Duration: time.Duration(20+strings.Count(code, "\n")) * time.Millisecond}
	if m := sleepRe.FindStringSubmatch(code); m != nil {
		secs, _ := strconv.ParseFloat(m[1], 64)
		if secs > 120 {
			return ExecResult{TimedOut: true, Duration: 120 * time.Second}
		}
		res.Duration += time.Duration(secs * float64(time.Second))
	}
	var out strings.Builder
	for _, line := range strings.Split(code, "\n") {
		var arg string
		if m := printRe.FindStringSubmatch(line); m != nil && lang != "bash" {
			arg = m[1]
		} else if m := echoRe.FindStringSubmatch(line); m != nil && lang == "bash" {
			arg = m[1]
		} else {
			continue
		}
		out.WriteString(render(arg, lang == "bash") + "\n")
	}
	res.Stdout = out.String()
	if m := exitRe.FindStringSubmatch(code); m != nil {
		res.ExitCode, _ = strconv.Atoi(m[1])
	}
	return res
}

// render prints a literal argument: a quoted string, integer arithmetic,
// or (for echo) the words as they are.
func render(arg string, shell bool) string {
	arg = strings.TrimSpace(arg)
	if len(arg) >= 2 && (arg[0] == '"' || arg[0] == '\'' || arg[0] == '`') && arg[len(arg)-1] == arg[0] {
		return arg[1 : len(arg)-1]
	}
	if !shell {
		if n, ok := evalInt(arg); ok {
			return strconv.FormatInt(n, 10)
		}
	}
	return arg
}

// evalInt evaluates integer arithmetic: + - * / % and parentheses.
func evalInt(s string) (int64, bool) {
	p := &exprParser{s: strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "//", "/")}
	n, ok := p.sum()
	return n, ok && p.i == len(p.s) && len(p.s) > 0
}

type exprParser struct {
	s string
	i int
}

func (p *exprParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *exprParser) sum() (int64, bool) {
	n, ok := p.product()
	for ok && (p.peek() == '+' || p.peek() == '-') {
		op := p.peek()
		p.i++
		var m int64
		if m, ok = p.product(); op == '+' {
			n += m
		} else {
			n -= m
		}
	}
	return n, ok
}

func (p *exprParser) product() (int64, bool) {
	n, ok := p.factor()
	for ok && (p.peek() == '*' || p.peek() == '/' || p.peek() == '%') {
		op := p.peek()
		p.i++
		var m int64
		if m, ok = p.factor(); !ok {
			break
		}
		switch {
		case op == '*':
			n *= m
		case m == 0:
			return 0, false
		case op == '/':
			n /= m
		default:
			n %= m
		}
	}
	return n, ok
}

func (p *exprParser) factor() (int64, bool) {
	switch c := p.peek(); {
	case c == '(':
		p.i++
		n, ok := p.sum()
		if !ok || p.peek() != ')' {
			return 0, false
		}
		p.i++
		return n, true
	case c == '-':
		p.i++
		n, ok := p.factor()
		return -n, ok
	case c >= '0' && c <= '9':
		start := p.i
		for p.peek() >= '0' && p.peek() <= '9' {
			p.i++
		}
		n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		return n, err == nil
	}
	return 0, false
}

package embedded

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	luajson "github.com/alicebob/miniredis/v2/gopher-json"
	"github.com/alicebob/miniredis/v2/server"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
//
// The embedded server runs scripts itself, with gopher-lua (the engine
// miniredis uses), rather than leaving them to miniredis: miniredis builds
// its Lua state where nothing can reach it, so a script such as
// `while true do end` could never be stopped, and its redis.call takes
// miniredis's lock in a way the workbook's own commands cannot join. Here
// the state carries a context that SCRIPT KILL cancels (gopher-lua checks it
// between instructions), and redis.call runs a command the way a client's
// command runs: a workbook command directly, anything else on miniredis
// through an internal peer. The whole script runs under the execution lock
// (conn.go), so it is atomic, as in Redis.
//
// The Lua environment (the libraries, cjson, redis.call/pcall/error_reply/
// status_reply/sha1hex/setresp, the protected globals, the reply
// conversions) follows miniredis's cmd_scripting.go and lua.go (MIT
// licence, Copyright (c) 2014 Harmen), so scripts behave as they did.

const (
	msgNoScript        = "NOSCRIPT No matching script. Please use EVAL."
	msgNotFromScript   = "ERR This Redis command is not allowed from script"
	msgScriptKilled    = "ERR Script killed by user with SCRIPT KILL..."
	msgReadOnlyScript  = "ERR Write commands are not allowed from read-only scripts."
	msgUnknownInScript = "ERR Unknown Redis command called from script"
	msgScriptArity     = "ERR Wrong number of args calling Redis command from script"
)

// notFromScripts are refused inside a script, as Redis refuses them.
var notFromScripts = map[string]bool{
	"MULTI": true, "EXEC": true, "DISCARD": true, "WATCH": true, "UNWATCH": true,
	"SUBSCRIBE": true, "PSUBSCRIBE": true, "SSUBSCRIBE": true, "UNSUBSCRIBE": true,
	"PUNSUBSCRIBE": true, "SUNSUBSCRIBE": true, "EVAL": true, "EVALSHA": true,
	"EVAL_RO": true, "EVALSHA_RO": true, "SCRIPT": true, "AUTH": true, "HELLO": true,
	"QUIT": true, "CLIENT": true, "CONFIG": true, "SLOWLOG": true, "DEBUG": true,
}

// readOnlyWorkbook are the workbook's commands that do not write.
var readOnlyWorkbook = map[string]bool{
	"INFO": true, "OBJECT": true, "MEMORY": true, "COMMAND": true, "MODULE": true, "MGET": true,
	"TYPE": true, "TTL": true, "TIME": true, "SCAN": true, "GET": true, "GETRANGE": true,
	"SUBSTR": true, "STRLEN": true, "GETBIT": true, "BITCOUNT": true, "BITPOS": true,
	"HTTL": true, "HPTTL": true, "HEXPIRETIME": true, "HPEXPIRETIME": true, "XAUTOCLAIM": false,
}

func (s *Server) isWrite(cmd string) bool {
	if _, mine := s.cmds[cmd]; mine {
		return !readOnlyWorkbook[cmd] && !readOnlyJSON[cmd]
	}
	return !s.srv.IsReadOnlyCommand(cmd)
}

func sha1Hex(script string) string {
	h := sha1.Sum([]byte(script))
	return hex.EncodeToString(h[:])
}

func cmdEval(x *call) {
	script := x.args[0]
	if x.s.runScript(x, sha1Hex(script), script, x.args[1:]) {
		x.s.mu.Lock()
		x.s.luaScripts[sha1Hex(script)] = script
		x.s.mu.Unlock()
	}
}

func cmdEvalSHA(x *call) {
	sha := strings.ToLower(x.args[0])
	x.s.mu.Lock()
	script, ok := x.s.luaScripts[sha]
	x.s.mu.Unlock()
	if !ok {
		x.c.WriteError(msgNoScript)
		return
	}
	x.s.runScript(x, sha, script, x.args[1:])
}

func cmdScript(x *call) {
	s := x.s
	sub, args := strings.ToUpper(x.args[0]), x.args[1:]
	switch sub {
	case "LOAD":
		if len(args) != 1 {
			x.c.WriteError("ERR unknown subcommand or wrong number of arguments for 'load'. Try SCRIPT HELP.")
			return
		}
		if _, err := parse.Parse(strings.NewReader(args[0]), "user_script"); err != nil {
			x.c.WriteError("ERR Error compiling script (new function): " + compileError(&parseError{err}))
			return
		}
		sha := sha1Hex(args[0])
		s.mu.Lock()
		s.luaScripts[sha] = args[0]
		s.mu.Unlock()
		x.c.WriteBulk(sha)
	case "EXISTS":
		if len(args) == 0 {
			x.c.WriteError(errWrongArgs("script|exists"))
			return
		}
		x.c.WriteLen(len(args))
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, sha := range args {
			_, ok := s.luaScripts[strings.ToLower(sha)]
			x.c.WriteInt(map[bool]int{false: 0, true: 1}[ok])
		}
	case "FLUSH":
		if len(args) > 1 || len(args) == 1 && !strings.EqualFold(args[0], "SYNC") && !strings.EqualFold(args[0], "ASYNC") {
			x.c.WriteError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
			return
		}
		s.mu.Lock()
		s.luaScripts = map[string]string{}
		s.mu.Unlock()
		x.c.WriteOK()
	case "KILL":
		// Outside MULTI the connection layer answers SCRIPT KILL before it
		// waits for the execution lock; here no script is running.
		x.c.WriteError("NOTBUSY No scripts in execution right now.")
	default:
		x.c.WriteError(fmt.Sprintf("ERR unknown subcommand '%s'. Try SCRIPT HELP.", x.args[0]))
	}
}

// scriptRun is one execution of a script.
type scriptRun struct {
	s        *Server
	x        *call
	sha      string
	readOnly bool
	db       int
	ctx      any // the script's own miniredis state (SELECT in a script stays in it)
	resp3    bool
	callErr  string // the last error redis.call raised
}

// runScript runs a script and writes its reply; it reports whether the
// script compiled (only then EVAL remembers it for EVALSHA).
func (s *Server) runScript(x *call, sha, script string, args []string) bool {
	numKeys, err := strconv.Atoi(args[0])
	switch {
	case err != nil:
		x.c.WriteError(msgNotInt)
		return false
	case numKeys < 0:
		x.c.WriteError("ERR Number of keys can't be negative")
		return false
	case numKeys > len(args)-1:
		x.c.WriteError("ERR Number of keys can't be greater than number of args")
		return false
	}
	keys, argv := args[1:1+numKeys], args[1+numKeys:]
	run := &scriptRun{s: s, x: x, sha: sha, db: x.db, readOnly: strings.HasSuffix(x.cmd, "_RO")}

	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.scriptStarted(cancel)
	defer s.scriptEnded()

	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase},
		{lua.CoroutineLibName, lua.OpenCoroutine}, {lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.fn), Protect: true}, lua.LString(lib.name)); err != nil {
			x.c.WriteError("ERR the embedded server could not set up Lua: " + err.Error())
			return false
		}
	}
	luajson.Preload(l)
	if err := l.CallByParam(lua.P{Fn: l.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString("json")); err == nil {
		l.SetGlobal("cjson", l.Get(-1))
		l.Pop(1)
	}
	l.SetGlobal("KEYS", stringsTable(l, keys))
	l.SetGlobal("ARGV", stringsTable(l, argv))
	redisMod := l.NewTable()
	for name, fn := range run.redisLib() {
		redisMod.RawSetString(name, l.NewFunction(fn))
	}
	for name, v := range map[string]lua.LValue{"LOG_DEBUG": lua.LNumber(0), "LOG_VERBOSE": lua.LNumber(1),
		"LOG_NOTICE": lua.LNumber(2), "LOG_WARNING": lua.LNumber(3)} {
		redisMod.RawSetString(name, v)
	}
	l.SetGlobal("redis", redisMod)
	l.SetGlobal("server", redisMod)
	l.RegisterModule("os", map[string]lua.LGFunction{"clock": func(l *lua.LState) int {
		l.Push(lua.LNumber(42))
		return 1
	}})
	protectGlobals(l)

	// The context is set only now, so that setting up never counts as the
	// script being killed.
	l.SetContext(ctx)
	if err := doScript(l, script); err != nil {
		var perr *parseError
		switch {
		case ctx.Err() != nil:
			x.c.WriteError(msgScriptKilled)
			return true
		case errors.As(err, &perr):
			x.c.WriteError("ERR Error compiling script (new function): " + compileError(perr))
			return false
		}
		x.c.WriteError(run.errorReply(err))
		return true
	}
	luaToRedis(l, x.c, run.resp3, l.Get(1))
	return true
}

type parseError struct{ err error }

// compileError words gopher-lua's "user_script line:1(column:12) near
// 'error':   parse error" as Lua does: "user_script:1: parse error near 'error'".
func compileError(e *parseError) string {
	m := parseWhere.FindStringSubmatch(e.Error())
	if m == nil {
		return e.Error()
	}
	return fmt.Sprintf("user_script:%s: %s near '%s'", m[1], strings.TrimSpace(m[3]), m[2])
}

var parseWhere = regexp.MustCompile(`(?s)^user_script line:(\d+)\(column:\d+\) near '(.*?)':\s*(.*)$`)

func (e *parseError) Error() string { return e.err.Error() }

func doScript(l *lua.LState, script string) error {
	chunk, err := parse.Parse(strings.NewReader(script), "user_script")
	if err != nil {
		return &parseError{err}
	}
	proto, err := lua.Compile(chunk, "user_script")
	if err != nil {
		return &parseError{err}
	}
	l.Push(l.NewFunctionFromProto(proto))
	return l.PCall(0, lua.MultRet, nil)
}

// errorReply turns a script's Lua error into Redis's error reply: the text,
// then where it happened ("script: <sha>, on @user_script:<line>.").
func (r *scriptRun) errorReply(err error) string {
	msg := err.Error()
	var aerr *lua.ApiError
	if errors.As(err, &aerr) {
		switch o := aerr.Object.(type) {
		case lua.LString:
			msg = string(o)
		case *lua.LTable: // error({err = "..."})
			if e := o.RawGetString("err"); e.Type() == lua.LTString {
				return fmt.Sprintf("%s script: %s, on @user_script.", e.String(), r.sha)
			}
		}
	}
	line := "1"
	if m := luaWhere.FindStringSubmatch(msg); m != nil {
		line, msg = m[1], m[2]
		if r.callErr != "" && msg == r.callErr {
			return fmt.Sprintf("%s script: %s, on @user_script:%s.", msg, r.sha, line)
		}
		msg = "user_script:" + line + ": " + msg
	}
	return fmt.Sprintf("ERR %s script: %s, on @user_script:%s.", msg, r.sha, line)
}

var luaWhere = regexp.MustCompile(`(?s)^user_script:(\d+): (.*)$`)

func stringsTable(l *lua.LState, vals []string) *lua.LTable {
	t := l.CreateTable(len(vals), 0)
	for i, v := range vals {
		t.RawSetInt(i+1, lua.LString(v))
	}
	return t
}

func (r *scriptRun) redisLib() map[string]lua.LGFunction {
	call := func(failFast bool) lua.LGFunction {
		return func(l *lua.LState) int {
			top := l.GetTop()
			if top == 0 {
				l.RaiseError("Please specify at least one argument for this redis lib call")
				return 0
			}
			args := make([]string, 0, top)
			for i := 1; i <= top; i++ {
				switch a := l.Get(i).(type) {
				case lua.LNumber:
					args = append(args, a.String())
				case lua.LString:
					args = append(args, string(a))
				default:
					l.RaiseError("Lua redis lib command arguments must be strings or integers")
					return 0
				}
			}
			reply, errMsg := r.call(args)
			if errMsg != "" {
				if failFast {
					r.callErr = errMsg
					l.Error(lua.LString(errMsg), 1)
					return 0
				}
				t := l.NewTable()
				t.RawSetString("err", lua.LString(errMsg))
				l.Push(t)
				return 1
			}
			l.Push(redisToLua(l, reply))
			return 1
		}
	}
	return map[string]lua.LGFunction{
		"call":  call(true),
		"pcall": call(false),
		"error_reply": func(l *lua.LState) int {
			msg, ok := l.Get(1).(lua.LString)
			if !ok {
				l.RaiseError("wrong number or type of arguments")
				return 0
			}
			text := strings.TrimPrefix(string(msg), "-")
			if !strings.Contains(text, " ") {
				text = "ERR " + text
			}
			t := l.NewTable()
			t.RawSetString("err", lua.LString(text))
			l.Push(t)
			return 1
		},
		"status_reply": func(l *lua.LState) int {
			msg, ok := l.Get(1).(lua.LString)
			if !ok {
				l.RaiseError("wrong number or type of arguments")
				return 0
			}
			t := l.NewTable()
			t.RawSetString("ok", msg)
			l.Push(t)
			return 1
		},
		"sha1hex": func(l *lua.LState) int {
			if l.GetTop() != 1 {
				l.RaiseError("wrong number of arguments")
				return 0
			}
			l.Push(lua.LString(sha1Hex(lua.LVAsString(l.Get(1)))))
			return 1
		},
		"log":                func(l *lua.LState) int { return 0 },
		"replicate_commands": func(l *lua.LState) int { l.Push(lua.LTrue); return 1 },
		"set_repl":           func(l *lua.LState) int { return 0 },
		"setresp": func(l *lua.LState) int {
			switch l.CheckInt(1) {
			case 2:
				r.resp3 = false
			case 3:
				r.resp3 = true
			default:
				l.RaiseError("RESP version must be 2 or 3")
			}
			return 0
		},
	}
}

// call runs one redis.call: the parsed reply, or the error text.
func (r *scriptRun) call(args []string) (any, string) {
	s := r.s
	if s.scripts.kill.Load() {
		return nil, msgScriptKilled
	}
	cmd := strings.ToUpper(args[0])
	args[0] = cmd
	if notFromScripts[cmd] {
		return nil, msgNotFromScript
	}
	if !s.known(cmd) {
		return nil, msgUnknownInScript
	}
	write := s.isWrite(cmd)
	if write && r.readOnly {
		return nil, msgReadOnlyScript
	}
	if r.ctx == nil {
		if s.password != "" {
			_, r.ctx = s.internalRaw(nil, false, []string{"AUTH", s.password})
		}
		_, r.ctx = s.internalRaw(r.ctx, false, []string{"SELECT", strconv.Itoa(r.db)})
	}
	var out []byte
	spec, mine := s.cmds[cmd]
	if mine && spec.pass != nil && spec.pass(args[1:]) {
		mine = false
	}
	switch {
	case blockingCmds[cmd] || mine:
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		p := server.NewPeer(w)
		if blockingCmds[cmd] {
			s.nonBlocking(p, r.ctx, cmd, args[1:])
		} else if !spec.arityOK(len(args) - 1) {
			p.WriteError(msgScriptArity)
		} else {
			spec.run(&call{s: s, c: p, db: r.db, cmd: cmd, args: args[1:], ctx: r.ctx})
		}
		w.Flush()
		out = buf.Bytes()
	default:
		out, r.ctx = s.internalRaw(r.ctx, false, args)
		if cmd == "SELECT" && bytes.Equal(out, []byte("+OK\r\n")) {
			r.db, _ = strconv.Atoi(args[1])
		}
	}
	if write {
		s.scripts.wrote.Store(true)
	}
	reply, err := server.ParseReply(bufio.NewReader(bytes.NewReader(out)))
	if err != nil {
		if strings.HasPrefix(err.Error(), "ERR wrong number of arguments for") {
			return nil, msgScriptArity
		}
		return nil, err.Error()
	}
	return reply, ""
}

func redisToLua(l *lua.LState, r any) lua.LValue {
	switch t := r.(type) {
	case nil:
		return lua.LFalse
	case int:
		return lua.LNumber(t)
	case int64:
		return lua.LNumber(t)
	case []byte:
		return lua.LString(t)
	case string:
		return lua.LString(t)
	case server.Simple:
		st := l.NewTable()
		st.RawSetString("ok", lua.LString(t))
		return st
	case []any:
		tb := l.CreateTable(len(t), 0)
		for i, e := range t {
			tb.RawSetInt(i+1, redisToLua(l, e))
		}
		return tb
	}
	return lua.LString(fmt.Sprint(r))
}

// luaToRedis writes a script's return value as Redis converts it.
func luaToRedis(l *lua.LState, c *server.Peer, resp3 bool, v lua.LValue) {
	switch t := v.(type) {
	case nil, *lua.LNilType:
		c.WriteNull()
	case lua.LBool:
		b := bool(t)
		switch {
		case b && resp3:
			c.WriteRaw("#t\r\n")
		case b:
			c.WriteInt(1)
		case resp3:
			c.WriteRaw("#f\r\n")
		default:
			c.WriteNull()
		}
	case lua.LNumber:
		c.WriteInt(int(t))
	case lua.LString:
		c.WriteBulk(string(t))
	case *lua.LTable:
		if e := t.RawGetString("err"); e.Type() != lua.LTNil {
			c.WriteError(e.String())
			return
		}
		if ok := t.RawGetString("ok"); ok.Type() != lua.LTNil {
			c.WriteInline(ok.String())
			return
		}
		var items []lua.LValue
		for i := 1; ; i++ {
			e := t.RawGetInt(i)
			if e.Type() == lua.LTNil {
				break
			}
			items = append(items, e)
		}
		c.WriteLen(len(items))
		for _, e := range items {
			luaToRedis(l, c, resp3, e)
		}
	default:
		c.WriteNull()
	}
}

// protectGlobals makes the globals read-only, as Redis does: assigning one
// or reading one that does not exist is an error.
func protectGlobals(l *lua.LState) {
	mt := l.NewTable()
	mt.RawSetString("__newindex", l.NewFunction(func(l *lua.LState) int {
		l.Error(lua.LString("Attempt to modify a readonly table"), 1)
		return 0
	}))
	mt.RawSetString("__index", l.NewFunction(func(l *lua.LState) int {
		l.Error(lua.LString(fmt.Sprintf("Script attempted to access nonexistent global variable '%s'", l.ToString(2))), 1)
		return 0
	}))
	l.SetMetatable(l.Get(lua.GlobalsIndex), mt)
}

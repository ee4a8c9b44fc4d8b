package embedded

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

// ---- CLIENT ----

func (s *Server) clientLine(c *server.Peer, cl *client, db int) string {
	now := time.Now()
	resp := 2
	if c.Resp3 {
		resp = 3
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=N db=%d sub=0 psub=0 ssub=0 multi=-1 watch=0 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=20480 events=r cmd=%s user=default redir=-1 resp=%d lib-name=%s lib-ver=%s io-thread=0",
		cl.id, cl.addr, cl.laddr, cl.id+7, c.ClientName, int(now.Sub(cl.created).Seconds()), int(now.Sub(cl.last).Seconds()),
		db, cl.lastCmd, resp, cl.libName, cl.libVer)
}

func cmdClient(x *call) {
	s := x.s
	me := s.client(x.c)
	switch strings.ToUpper(x.args[0]) {
	case "LIST":
		type line struct {
			id   int64
			text string
		}
		var lines []line
		s.mu.Lock()
		for p, cl := range s.clients {
			lines = append(lines, line{cl.id, s.clientLine(p, cl, cl.db)})
		}
		s.mu.Unlock()
		sort.Slice(lines, func(i, j int) bool { return lines[i].id < lines[j].id })
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l.text + "\n")
		}
		x.c.WriteBulk(b.String())
	case "INFO":
		if me == nil {
			x.c.WriteBulk("id=0 addr=internal name=" + x.c.ClientName + "\n")
			return
		}
		s.mu.Lock()
		l := s.clientLine(x.c, me, x.db)
		s.mu.Unlock()
		x.c.WriteBulk(l + "\n")
	case "ID":
		if me == nil {
			x.c.WriteInt(0)
			return
		}
		x.c.WriteInt(int(me.id))
	case "SETINFO":
		if len(x.args) != 3 {
			x.c.WriteError(errWrongArgs("client|setinfo"))
			return
		}
		if me != nil {
			s.mu.Lock()
			switch strings.ToUpper(x.args[1]) {
			case "LIB-NAME":
				me.libName = x.args[2]
			case "LIB-VER":
				me.libVer = x.args[2]
			default:
				s.mu.Unlock()
				x.c.WriteError(fmt.Sprintf("ERR Unrecognized option '%s'", x.args[1]))
				return
			}
			s.mu.Unlock()
		}
		x.c.WriteOK()
	}
}

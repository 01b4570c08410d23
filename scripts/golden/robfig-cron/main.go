// Writes test/scalers/cron/robfig-next.json: what robfig/cron v3.0.1 (the library KEDA's cron
// trigger uses, with KEDA's parser options) answers for Next() over expressions, time zones and
// instants around DST changes, and which expressions it refuses. gitscale's own parser and
// stepper (src/scalers/cron/schedule.ts) are tested against this table. Regenerate with:
//
//	cd scripts/golden/robfig-cron && go run . > ../../../test/scalers/cron/robfig-next.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/robfig/cron/v3"
)

type row struct {
	Spec string  `json:"spec"`
	Zone string  `json:"zone"`
	Now  int64   `json:"now"`
	Next *int64  `json:"next"`
	Err  *string `json:"error,omitempty"`
}

func main() {
	specs := []string{
		"0 8 * * *", "0 18 * * 1-5", "30 2 * * *", "0 */2 * * *", "0 1-23/2 * * *", "0,30 * * * *", "15,45 * * * *",
		"0 0 * * Thu", "59 23 * * thu", "0 0 1 * *", "0 0 31 * *", "0 0 29 2 *", "0 0 30 2 *", "0 9 1-7 * 1", "0 9 * * mon",
		"*/15 9-17 * * mon-fri", "5 4 * * sun", "0 0 1 jan *", "0 12 * jun-aug *", "0 22 * * 0,6", "0 0 13 * 5", "0 0 ? * *",
		"0 2 * * *", "30 1 * * *", "0 3 * * *", "7/20 * * * *", "0 0 1/10 * *", "* * * * *", "0 0 * * *",
		"CRON_TZ=Asia/Tokyo 0 9 * * *", "TZ=America/New_York 0 2 * * *", "0 0 */1 * 1",
		// invalid
		"60 * * * *", "* 24 * * *", "0 0 0 * *", "0 0 * 13 *", "0 0 * * 7", "-30 * * * *", "50 * * -3 *", "@daily", "0 0 * *", "0 0 * * * *",
		"5-2 * * * *", "*/0 * * * *", "a * * * *", "1-2-3 * * * *", "1/2/3 * * * *",
	}
	zones := []string{"Etc/UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Sao_Paulo", "Europe/London"}
	instants := []string{
		"2026-12-05T16:20:30.250Z", "2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z",
		"2026-03-08T06:59:00Z", "2026-03-08T07:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2028-02-28T23:59:59Z",
		"2026-12-31T23:59:59.999Z", "2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z", "2018-11-03T02:30:00Z", "2027-01-01T00:00:00Z",
	}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	var out []row
	for _, spec := range specs {
		sched, err := parser.Parse(spec)
		if err != nil {
			msg := err.Error()
			out = append(out, row{Spec: spec, Err: &msg})
			continue
		}
		for _, z := range zones {
			loc, _ := time.LoadLocation(z)
			for _, s := range instants {
				t, e := time.Parse(time.RFC3339Nano, s)
				if e != nil {
					panic(e)
				}
				n := sched.Next(t.In(loc))
				r := row{Spec: spec, Zone: z, Now: t.UnixMilli()}
				if !n.IsZero() {
					v := n.UnixMilli()
					r.Next = &v
				}
				out = append(out, r)
			}
		}
	}
	fmt.Fprintln(os.Stdout, "[")
	for i, r := range out {
		b, _ := json.Marshal(r)
		sep := ","
		if i == len(out)-1 {
			sep = ""
		}
		fmt.Fprintf(os.Stdout, "%s%s\n", b, sep)
	}
	fmt.Fprintln(os.Stdout, "]")
}

package calendar

import (
	"strings"
	"testing"
)

func TestLoadHolidays(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr []string
	}{
		{"header comments and two years", "# x\ndate,kind,name\n2020-01-01,libur,Tahun Baru\n\n2021-01-01,libur,Tahun Baru\n2020-12-24,cuti,Cuti Bersama, Natal\n", 3, nil},
		{"bad lines named, nothing kept", "2020-01-01,libur,A\n2020-13-01,libur,B\n2020-02-01,holiday,C\n2020-03-01,cuti\n2020-01-01,cuti,D\n", 0,
			[]string{"line 2: date", "line 3: kind", "line 4: want date,kind,name", "line 5: date: 2020-01-01 already on line 1"}},
		{"empty name", "2020-01-01,libur, \n", 0, []string{"line 1: name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := LoadHolidays(strings.NewReader(tc.in))
			if len(hs) != tc.want {
				t.Errorf("got %d holidays, want %d", len(hs), tc.want)
			}
			if tc.wantErr == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v does not contain %q", err, w)
				}
			}
		})
	}
	hs, _ := LoadHolidays(strings.NewReader("2020-12-24,cuti,Cuti Bersama, Natal\n"))
	if hs[0].Name != "Cuti Bersama, Natal" || hs[0].Kind != CollectiveLeave {
		t.Errorf("got %+v, want the name with its comma and kind cuti", hs[0])
	}
}

package regions

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadEmbedded(t *testing.T) {
	provinces, offices, err := Load(Embedded())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(provinces) != 38 || len(offices) != 514 {
		t.Fatalf("got %d provinces and %d offices, want 38 and 514", len(provinces), len(offices))
	}
	for _, o := range offices {
		if o.Code == "73.71" {
			if o.Name != "Kota Makassar" || o.TZ != "Asia/Makassar" || o.ProvinceCode != "73" {
				t.Fatalf("Makassar = %+v", o)
			}
			return
		}
	}
	t.Fatal("Kota Makassar (73.71) missing")
}

func TestLoadNamesLineAndColumn(t *testing.T) {
	provinces, err := fs.ReadFile(Embedded(), ProvincesFile)
	if err != nil {
		t.Fatal(err)
	}
	header := "code,name,province_code,province_name,lat,lon,kind,tz,tz_abbr,coord_note,population_2024s2\n"
	tests := []struct {
		name, offices, want string
	}{
		{"bad zone", header + "73.71,Kota Makassar,73,Sulawesi Selatan,-5.1,119.4,kota,Asia/Nowhere,WITA,,1\n", "wilayah-kabkota.csv line 2 column tz"},
		{"bad kind", header + "73.71,Kota Makassar,73,Sulawesi Selatan,-5.1,119.4,desa,Asia/Makassar,WITA,,1\n", "line 2 column kind"},
		{"unknown province", header + "99.71,Kota X,99,X,-5.1,119.4,kota,Asia/Makassar,WITA,,1\n", "line 2 column province_code"},
		{"bad number", header + "73.71,Kota Makassar,73,S,-5.1,119.4,kota,Asia/Makassar,WITA,,many\n", "line 2 column population_2024s2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				ProvincesFile: {Data: provinces},
				OfficesFile:   {Data: []byte(tc.offices)},
			}
			_, _, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

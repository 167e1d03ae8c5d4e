package seeds

import (
	"math/rand/v2"
	"strconv"
)

// Syllables of the synthetic Vietnamese place names (precomposed UTF-8).
var (
	nameFirst = []string{
		"An", "Bình", "Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Tân", "Vĩnh",
		"Phú", "Xuân", "Thanh", "Kim", "Ngọc", "Hồng", "Gia", "Yên", "Trung", "Quang",
	}
	nameSecond = []string{
		"Hòa", "Thịnh", "Long", "Minh", "Hưng", "Khánh", "Lạc", "Phúc", "Đức", "Hải",
		"Mỹ", "Phương", "Sơn", "Thái", "Lâm", "Hà", "Định", "Thuận", "Lộc", "Thành",
	}
)

// wardNames returns n distinct synthetic place names in a seeded order. Past
// the 400 two-syllable names, a number is added.
func wardNames(n int, rng *rand.Rand) []string {
	base := make([]string, 0, len(nameFirst)*len(nameSecond))
	for _, a := range nameFirst {
		for _, b := range nameSecond {
			base = append(base, a+" "+b)
		}
	}
	rng.Shuffle(len(base), func(i, j int) { base[i], base[j] = base[j], base[i] })
	out := make([]string, n)
	for i := range out {
		out[i] = base[i%len(base)]
		if round := i / len(base); round > 0 {
			out[i] += " " + strconv.Itoa(round+1)
		}
	}
	return out
}

// schoolKind is what a school offers: kindergarten (preschool levels),
// primary (grade 1), lower secondary (grade 6) or both of the last two.
type schoolKind uint8

const (
	kindergarten schoolKind = iota
	primary
	combined
	secondary
	numKinds
)

// kindPrefix is the start of a school's name, by kind.
var kindPrefix = [numKinds]string{
	kindergarten: "Trường Mầm non",
	primary:      "Trường Tiểu học",
	combined:     "Trường Tiểu học và THCS",
	secondary:    "Trường THCS",
}

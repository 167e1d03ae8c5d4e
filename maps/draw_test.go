package maps

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// vietnamese is every letter of the Vietnamese alphabet with every tone
// mark, in both cases.
const vietnamese = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ" +
	"AÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬBCDĐEÈẺẼÉẸÊỀỂỄẾỆGHIÌỈĨÍỊKLMNOÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢPQRSTUÙỦŨÚỤƯỪỬỮỨỰVXYỲỶỸÝỴ"

func TestThePNGFontDrawsEveryVietnameseLetter(t *testing.T) {
	f := face(12)
	require.NotNil(t, f)
	require.Equal(t, vietnamese, drawable(f, vietnamese))
}

package metadata_test

import (
	"errors"
	"fmt"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
)

// The seed's form: the page shows every key with the version it was loaded
// at, the staff member clears the discord row on both sides and presses
// Update, and every row comes back.
func ExampleReplace() {
	stored := metadata.Metadata{"discord": "abc", "tier": "gold"}
	loaded := stored.Version() // a hidden field in the form

	form := []metadata.Field{{Key: "", Value: ""}, {Key: "tier", Value: "gold"}}
	next, err := metadata.Replace(stored, form, loaded)
	fmt.Println(next, err)

	// A second tab still holds the form as first loaded.
	_, err = metadata.Replace(next, []metadata.Field{{Key: "discord", Value: "abc"}, {Key: "tier", Value: "silver"}}, loaded)
	fmt.Println(errors.Is(err, errs.ErrConflict))
	// Output:
	// map[tier:gold] <nil>
	// true
}

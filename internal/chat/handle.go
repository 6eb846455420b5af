package chat

import (
	"hash/fnv"
	"strings"
)

// Handle is the short name staff call a client by in one conversation, e.g.
// "Blue Heron": read aloud, it is kinder than an id and says nothing about
// who the person is. It is derived from the conversation id alone (the same
// conversation always has the same handle; another conversation of the same
// client has another one), from 64 adjectives and 64 animals: 4,096 names,
// enough that two clients waiting at once rarely share one, and the queue
// shows the wait beside it.
func Handle(conversationID string) string {
	if conversationID == "" {
		return ""
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(conversationID))
	sum := h.Sum64()
	return handleAdjectives[sum%uint64(len(handleAdjectives))] + " " +
		handleAnimals[(sum>>32)%uint64(len(handleAnimals))]
}

// handleAdjectives and handleAnimals are plain, kind words: colours and
// gentle qualities, and animals nobody minds being called.
var (
	handleAdjectives = strings.Fields(`Amber Blue Bright Calm Clear Coral Cosy Crimson
		Gentle Golden Green Grey Hazel Honey Indigo Ivory
		Jade Kind Lemon Light Lilac Maple Mellow Misty
		Mossy Olive Pale Patient Peach Pearl Pine Plum
		Quiet Rose Ruby Russet Sage Sandy Silver Sky
		Slate Snowy Soft Steady Still Sunny Merry Tawny
		Teal Tidy Violet Warm Willow Wise Breezy Bold
		Brave Cheery Dapper Fair Fresh Frosty Glad Lucky`)
	handleAnimals = strings.Fields(`Badger Bear Beaver Bee Bison Crane Cricket Deer
		Dolphin Dove Duck Eagle Falcon Finch Fox Gecko
		Goose Hare Hawk Hedgehog Heron Ibis Kestrel Kingfisher
		Koala Lark Lynx Magpie Marten Mole Moose Moth
		Newt Otter Owl Panda Pelican Penguin Pigeon Plover
		Puffin Quail Rabbit Raven Robin Salmon Seal Sparrow
		Squirrel Stork Swallow Swan Swift Tern Thrush Tortoise
		Turtle Vole Walrus Whale Wren Yak Zebra Wombat`)
)

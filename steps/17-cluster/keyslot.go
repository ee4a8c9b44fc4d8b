package main

import (
	"strconv"
	"strings"
)

// slots is the number of hash slots of every Redis Cluster.
const slots = 16384

// keySlot is what CLUSTER KEYSLOT computes, and what go-redis computes for
// every command before it picks a node: CRC16 of the key (the XMODEM
// variant) modulo 16384. When the key holds a non-empty {…}, only what is
// inside the first such braces is hashed: the hash tag.
func keySlot(key string) int {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if n := strings.IndexByte(key[open+1:], '}'); n > 0 {
			key = key[open+1 : open+1+n]
		}
	}
	return int(crc16(key) % slots)
}

// crc16 is CRC-16/XMODEM: polynomial 0x1021, starting from 0.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// tagsFor finds one hash tag for each slot from first to last, so that
// keys "…{tag}…" can be aimed at those slots.
func tagsFor(first, last int) []string {
	tags := make([]string, last-first+1)
	left := len(tags)
	for n := 0; left > 0; n++ {
		tag := "t" + strconv.Itoa(n)
		if s := keySlot(tag); s >= first && s <= last && tags[s-first] == "" {
			tags[s-first] = tag
			left--
		}
	}
	return tags
}

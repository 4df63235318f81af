// Package simulate is the noisy-user simulator of the conversation engine
// (issue 11, point 6). Its test plays hundreds of generated dialogues, each
// against a real bot.Engine on its own bbolt file with the offline
// classifier, as a user who reads every bot burst like a person would: picks
// the quick reply naming its problem, answers the detail asked (or says it
// does not know, or has no screenshot), corrects itself, switches language,
// wanders off topic, types gibberish, goes quiet for hours and asks for a
// person in many phrasings. It fails when fewer than 99% of the dialogues
// end right or when any user is trapped or any false alarm is raised.
//
// The package has no code of its own besides its tests; docs/simulator.md
// says how to run it and replay one dialogue.
package simulate

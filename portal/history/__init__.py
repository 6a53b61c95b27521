"""Git -> each record's revisions: a stage between content/ and pages/.

In: the git repository holding the content folder, and the `Site`. Out: the `Site` with a
`RecordHistory` per agreement, partner and event (what each commit changed, in words), and
what a page shows of it. Only `git` touches the disk (and the memory kept between builds)."""

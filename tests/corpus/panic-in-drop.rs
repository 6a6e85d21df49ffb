// Corpus for panic-in-drop.
impl Drop for Guard {
    fn drop(&mut self) {
        self.file.sync_all().unwrap();
        // ^ panic-in-drop
        assert!(self.closed);
        // ^ panic-in-drop
        let _ = self.file.flush();
    }
}

impl Guard {
    fn close(&mut self) {
        self.file.sync_all().unwrap();
        // ^ unwrap-used
    }
}

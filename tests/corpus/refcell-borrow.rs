// Corpus for refcell-borrow (off by default; the corpus runs every rule).
fn bump(state: &RefCell<State>) {
    let mut s = state.borrow_mut();
    // ^ refcell-borrow
    let n = state.borrow().count;
    // ^ refcell-borrow
    let ok = state.try_borrow_mut();
}

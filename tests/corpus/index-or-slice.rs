// Corpus for index-or-slice.
fn header(packet: &[u8], len: usize, i: usize) -> u8 {
    let h = &packet[0..len];
    // ^ index-or-slice
    let grid_cell = grid[r][c];
    // ^ index-or-slice index-or-slice
    packet[i + 1]
    // ^ index-or-slice
}

fn literal_indices(arr: [u8; 4], v: &[u8], n: u32) -> u8 {
    let all = &v[..];
    let head = &v[0..4];
    // ^ index-or-slice
    let e = v.get(7);
    let local = [1u8, 2, 3];
    let bytes = n.to_le_bytes()[0];
    let first = v[0];
    // ^ index-or-slice
    local[2] + arr[0] + TABLE[1] + self.buf[0]
}

const TABLE: [u8; 2] = [1, 2];

struct Holder {
    buf: [u8; 16],
}

fn json_dsl(rows: &[u8], i: usize) {
    // Inside json!-style macros `"a": [1]` parses as `"a" <ERROR> [1]`: no index.
    let _ = json!({"Array": [true], "b": [{"c": 1}], "Frog": ["Henry", []], "n": rows[i]});
    // ^ index-or-slice
}

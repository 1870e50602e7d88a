import t from 'tap'
import { buildPage, linkElements } from '../../src/laravel/paginator.js'

t.test('every page is linked when there are fewer than 14', async (t) => {
  t.same(linkElements(1, 1), [1])
  t.same(linkElements(5, 13), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
})

t.test("Laravel's window near the start, in the middle and near the end", async (t) => {
  t.same(linkElements(1, 20), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, '...', 19, 20])
  t.same(linkElements(7, 20), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, '...', 19, 20])
  t.same(linkElements(8, 20), [1, 2, '...', 5, 6, 7, 8, 9, 10, 11, '...', 19, 20])
  t.same(linkElements(13, 20), [1, 2, '...', 10, 11, 12, 13, 14, 15, 16, '...', 19, 20])
  t.same(linkElements(14, 20), [1, 2, '...', 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
  t.same(linkElements(20, 20), [1, 2, '...', 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
})

t.test('the envelope of a middle page, keys in Laravel order', async (t) => {
  const page = buildPage(Array.from({ length: 10 }, (_, i) => i + 11), 25, {
    path: 'http://host/api/v1/customer-services', query: 'sort=name', page: 2, perPage: 10
  })
  t.same(Object.keys(page), ['current_page', 'data', 'first_page_url', 'from', 'last_page', 'last_page_url', 'links',
    'next_page_url', 'path', 'per_page', 'prev_page_url', 'to', 'total'])
  t.equal(page.first_page_url, 'http://host/api/v1/customer-services?sort=name&page=1')
  t.equal(page.prev_page_url, 'http://host/api/v1/customer-services?sort=name&page=1')
  t.equal(page.next_page_url, 'http://host/api/v1/customer-services?sort=name&page=3')
  t.equal(page.last_page_url, 'http://host/api/v1/customer-services?sort=name&page=3')
  t.equal(page.from, 11)
  t.equal(page.to, 20)
  t.equal(page.last_page, 3)
  t.same(page.links.map((link) => [link.label, link.active]), [
    ['&laquo; Previous', false], ['1', false], ['2', true], ['3', false], ['Next &raquo;', false]
  ])
})

t.test('an empty list still has one page and null bounds', async (t) => {
  const page = buildPage([], 0, { path: 'http://h/x', query: '', page: 1, perPage: 10 })
  t.equal(page.last_page, 1)
  t.equal(page.from, null)
  t.equal(page.to, null)
  t.equal(page.next_page_url, null)
  t.equal(page.prev_page_url, null)
  t.equal(page.first_page_url, 'http://h/x?page=1')
  t.same(page.links.map((link) => link.url), [null, 'http://h/x?page=1', null])
})

t.test('a page past the end is empty and keeps the page asked for', async (t) => {
  const page = buildPage([], 25, { path: 'http://h/x', query: '', page: 7, perPage: 10 })
  t.equal(page.current_page, 7)
  t.equal(page.from, null)
  t.equal(page.prev_page_url, 'http://h/x?page=6')
  t.equal(page.next_page_url, null)
  t.equal(page.last_page, 3)
})

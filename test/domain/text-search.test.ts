import t from 'tap'
import { containsPattern, foldCase } from '../../src/domain/text-search.js'

t.test('case folding covers non-ASCII letters', async (t) => {
  t.equal(foldCase('TÉLÉPHONIE'), 'téléphonie')
  t.equal(foldCase('ÇA ÑO ÄÖÜ ÅØ'), 'ça ño äöü åø')
  t.equal(foldCase('ΣΟΦΊΑ'), 'σοφία')
})

t.test('a value and its folded copy match whatever the case of either', async (t) => {
  t.equal(foldCase('Télé'), foldCase('TÉLÉ'))
  t.ok(foldCase('TÉLÉPHONIE').includes(foldCase('télé')))
})

t.test('the contains pattern wraps the folded value in wildcards', async (t) => {
  t.equal(containsPattern('Support'), '%support%')
  t.equal(containsPattern('TÉLÉ'), '%télé%')
})

t.test('%, _ and backslash in a value are escaped to match themselves', async (t) => {
  t.equal(containsPattern('100%'), '%100\\%%')
  t.equal(containsPattern('a_b'), '%a\\_b%')
  t.equal(containsPattern('c:\\dir'), '%c:\\\\dir%')
  t.equal(containsPattern('%_\\'), '%\\%\\_\\\\%')
})

t.test('every occurrence is escaped, not only the first', async (t) => {
  t.equal(containsPattern('__%%'), '%\\_\\_\\%\\%%')
})

t.test('other characters are left alone', async (t) => {
  t.equal(containsPattern("o'neil [x] *?"), "%o'neil [x] *?%")
})
